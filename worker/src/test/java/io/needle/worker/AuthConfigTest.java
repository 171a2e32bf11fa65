package io.needle.worker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The policy file as operators write it (YAML or JSON), its validation errors, the canonical
 * prefix check (segment boundaries, no way out by {@code ..}) and the token check.
 */
class AuthConfigTest {
  @TempDir
  Path dir;

  private static String sha256(String token) throws Exception {
    return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
  }

  private AuthConfig load(String text) throws Exception {
    Path file = dir.resolve("policy-" + System.nanoTime() + ".yaml");
    Files.writeString(file, text);
    return AuthConfig.load(file);
  }

  @Test
  void yamlAndJsonGiveTheSameConfigWithDefaults() throws Exception {
    String digest = sha256("s3cr3t");
    AuthConfig yaml = load("""
        tokens:
          - name: scorer
            sha256: "%s"
        grants:
          - principal: "token:scorer"
            tables: ["file:///data/features/", "s3://bucket/features"]
          - principal: "spiffe://example.org/ns/ml/sa/ranker"
            tables: ["/data/rag"]
            describe: false
            refresh: true
        """.formatted(digest));
    AuthConfig json = load("""
        {"tokens": [{"name": "scorer", "sha256": "%s"}],
         "grants": [{"principal": "token:scorer", "tables": ["file:///data/features/", "s3://bucket/features"]},
                    {"principal": "spiffe://example.org/ns/ml/sa/ranker", "tables": ["/data/rag"],
                     "describe": false, "refresh": true}]}
        """.formatted(digest));
    assertThat(json).isEqualTo(yaml);
    assertThat(yaml.policy().grants().get(0).describe()).isTrue();   // default
    assertThat(yaml.policy().grants().get(0).refresh()).isFalse();   // default
    assertThat(yaml.policy().grants().get(1).describe()).isFalse();
    assertThat(yaml.policy().grants().get(1).refresh()).isTrue();
  }

  @Test
  void mistakesAreNamedWithTheirPlace() throws Exception {
    assertThatThrownBy(() -> load("tokens:\n  - name: a\n    sha256: \"hunter2\"\n"))
        .hasMessageContaining("tokens[0]").hasMessageContaining("sha256sum").hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> load("grants:\n  - principal: x\n    tabels: [\"/data\"]\n"))
        .hasMessageContaining("grants[0]").hasMessageContaining("tabels");
    assertThatThrownBy(() -> load("grants:\n  - principal: \"token:ghost\"\n    tables: [\"/data\"]\n"))
        .hasMessageContaining("token:ghost");
    assertThatThrownBy(() -> load("grants:\n  - {principal: a, tables: [\"/d\"]}\n  - {principal: a, tables: [\"/e\"]}\n"))
        .hasMessageContaining("more than one grant");
    assertThatThrownBy(() -> load("grants:\n  - {principal: a, tables: [\"/data/../etc\"]}\n"))
        .hasMessageContaining("grants[0]").hasMessageContaining("..");
    assertThatThrownBy(() -> load("grants:\n  - {principal: a, tables: [\"http://host/x\"]}\n"))
        .hasMessageContaining("grants[0]").hasMessageContaining("scheme");
    assertThatThrownBy(() -> load("grants:\n  - {principal: a, tables: [\"s3://B_AD/x\"]}\n"))
        .hasMessageContaining("bucket");
    assertThatThrownBy(() -> load("grants: {principal: a}\n")).hasMessageContaining("grants must be a list");
    assertThatThrownBy(() -> load("tokens: [\n")).hasMessageContaining("not valid YAML or JSON");
  }

  @Test
  void aPrefixCoversItsOwnSegmentsOnlyAndNothingReachedByDotDot() {
    TablePrefix local = TablePrefix.parse("file:///data/teamA/");
    assertThat(local.covers("file:///data/teamA")).isTrue();
    assertThat(local.covers("file:///data/teamA/users")).isTrue();
    assertThat(local.covers("/data/teamA/users/")).isTrue();
    assertThat(local.covers("file:///data//teamA/./users")).isTrue();
    assertThat(local.covers("file:///data/teamA-extra")).isFalse();
    assertThat(local.covers("file:///data/team")).isFalse();
    assertThat(local.covers("file:///data")).isFalse();
    assertThat(local.covers("file:///data/teamA/../teamB")).isFalse();
    assertThat(local.covers("file:///data/teamA/x/../y")).isFalse(); // any .., even one that stays inside
    assertThat(local.covers("file:///data/teamA/%2e%2e/teamB")).isFalse();
    assertThat(local.covers("s3://data/teamA")).isFalse();
    assertThat(local.covers("not a uri")).isFalse();

    TablePrefix s3 = TablePrefix.parse("s3://bucket/features");
    assertThat(s3.covers("s3://bucket/features/users")).isTrue();
    assertThat(s3.covers("s3://bucket/features")).isTrue();
    assertThat(s3.covers("s3://bucket/features-old/users")).isFalse();
    assertThat(s3.covers("s3://bucket/features/../secret")).isFalse();
    assertThat(s3.covers("s3://other/features/users")).isFalse();
    assertThat(s3.covers("file:///bucket/features")).isFalse();
  }

  @Test
  void onlyTheRightTokenGivesItsPrincipal() throws Exception {
    AccessGate gate = new AccessGate(new AuthConfig(
        List.of(new AuthConfig.Token("a", sha256("token-a")), new AuthConfig.Token("b", sha256("token-b"))),
        new Policy(List.of())));
    assertThat(gate.principalOfToken("token-a")).isEqualTo("token:a");
    assertThat(gate.principalOfToken("token-b")).isEqualTo("token:b");
    assertThat(gate.principalOfToken("token-c")).isNull();
    assertThat(gate.principalOfToken("")).isNull();
    assertThat(gate.principalOfToken(sha256("token-a"))).isNull(); // the digest is not the token
  }
}
