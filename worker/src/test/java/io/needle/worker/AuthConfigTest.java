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
    assertThat(principalOf(gate, "token-a")).isEqualTo("token:a");
    assertThat(principalOf(gate, "token-b")).isEqualTo("token:b");
    assertThat(principalOf(gate, "token-c")).isNull();
    assertThat(principalOf(gate, "")).isNull();
    assertThat(principalOf(gate, sha256("token-a"))).isNull(); // the digest is not the token
  }

  private static String principalOf(AccessGate gate, String token) {
    return gate.principalOfToken(AccessGate.digest(token), "worker-0", System.currentTimeMillis());
  }

  @Test
  void aTokenIsRefusedFromItsExpiryOnAndByWorkersOutsideItsAudience() throws Exception {
    AuthConfig config = load("""
        tokens:
          - {name: soon, sha256: "%s", expires: "2027-01-31T00:00:00Z"}
          - {name: local, sha256: "%s", expires: "2027-01-31T01:00:00+01:00", audience: ["needle-prod-*", "edge"]}
        """.formatted(sha256("token-soon"), sha256("token-local")));
    java.time.Instant expiry = java.time.Instant.parse("2027-01-31T00:00:00Z");
    assertThat(config.tokens().get(0).expires()).isEqualTo(expiry);
    assertThat(config.tokens().get(1).expires()).as("the offset is applied").isEqualTo(expiry);
    assertThat(config.tokens().get(0).audience()).isEmpty();
    AccessGate gate = new AccessGate(config);
    long before = expiry.toEpochMilli() - 1;
    long at = expiry.toEpochMilli();
    byte[] soon = AccessGate.digest("token-soon");
    byte[] local = AccessGate.digest("token-local");
    assertThat(gate.principalOfToken(soon, "anything", before)).isEqualTo("token:soon");
    assertThat(gate.principalOfToken(soon, "anything", at)).as("not after its expiry").isNull();
    assertThat(gate.principalOfToken(local, "needle-prod-3", before)).isEqualTo("token:local");
    assertThat(gate.principalOfToken(local, "edge", before)).isEqualTo("token:local");
    assertThat(gate.principalOfToken(local, "needle-staging-3", before)).as("outside its audience").isNull();
    assertThat(gate.principalOfToken(local, "edge-2", before)).as("an exact name is not a prefix").isNull();
    assertThat(gate.principalOfToken(local, "needle-prod-3", at)).isNull();

    assertThatThrownBy(() -> load("tokens:\n  - {name: a, sha256: \"%s\", expires: \"next week\"}\n"
        .formatted(sha256("x")))).hasMessageContaining("tokens[0].expires").hasMessageContaining("ISO-8601");
    assertThatThrownBy(() -> load("tokens:\n  - {name: a, sha256: \"%s\", expires: \"2027-01-31T00:00:00\"}\n"
        .formatted(sha256("x")))).as("no offset: whose midnight?").hasMessageContaining("tokens[0].expires");
    assertThatThrownBy(() -> load("tokens:\n  - {name: a, sha256: \"%s\", audience: [\"a b\"]}\n"
        .formatted(sha256("x")))).hasMessageContaining("tokens[0]").hasMessageContaining("audience");
    assertThatThrownBy(() -> load("tokens:\n  - {name: a, sha256: \"%s\", audience: \"edge\"}\n"
        .formatted(sha256("x")))).hasMessageContaining("tokens[0].audience must be a list");
  }
}
