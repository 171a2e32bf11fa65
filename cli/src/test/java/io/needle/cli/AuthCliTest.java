package io.needle.cli;

import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.testsupport.CliRun;
import io.needle.worker.AuthConfig;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import io.needle.worker.WorkerSecurity;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code lookup} (to the lookup port and {@code --http}) and {@code refresh} with {@code --token-file}
 * against a worker that checks tokens, and {@code serve}'s TLS and policy flags refused with one
 * clear line before anything binds.
 */
class AuthCliTest {
  private static final String TOKEN = "cli-token-5d41402abc4b2a76b9719d911017c592";

  @TempDir
  static Path dir;

  static Worker worker;
  static FeatureTable table;
  static Path goodToken;
  static Path badToken;

  @BeforeAll
  static void setUp() throws Exception {
    table = new FeatureTable(GenOptions.defaults(2_000, 1));
    table.write(dir.resolve("data/users"));
    table.write(dir.resolve("data/private"));
    String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(TOKEN.getBytes(StandardCharsets.UTF_8)));
    Path policy = Files.writeString(dir.resolve("policy.json"), """
        {"tokens": [{"name": "cli", "sha256": "sha256:%s"}],
         "grants": [{"principal": "token:cli", "tables": ["%s"]}]}
        """.formatted(digest, dir.resolve("data/users").toUri()));
    goodToken = Files.writeString(dir.resolve("good.token"), TOKEN + "\n");
    badToken = Files.writeString(dir.resolve("bad.token"), "nope\n");
    worker = Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(dir.resolve("data"))), null, null,
        new WorkerSecurity(null, -1, AuthConfig.load(policy)));
  }

  @AfterAll
  static void tearDown() {
    if (worker != null) {
      worker.close();
    }
  }

  private static String worker() {
    return "127.0.0.1:" + worker.address().getPort();
  }

  private static CliRun lookup(String tableDir, String... extra) {
    List<String> args = new java.util.ArrayList<>(List.of("lookup", "--worker", worker(), "--table",
        dir.resolve("data").resolve(tableDir).toString(), "--key-column", "user_id", "--key",
        Long.toString(table.keyAt(42)), "--columns", "user_id", "--timeout", "10s"));
    args.addAll(List.of(extra));
    return CliRun.of(Main::run, args.toArray(String[]::new));
  }

  @Test
  void lookupWithTheTokenFilePrintsTheRowAndWithoutItIsRefused() {
    CliRun ok = lookup("users", "--token-file", goodToken.toString());
    assertThat(ok.exit()).as(ok.err()).isZero();
    assertThat(ok.out().strip()).isEqualTo("{\"user_id\":" + table.keyAt(42) + "}");

    for (CliRun refused : List.of(lookup("users"), lookup("users", "--token-file", badToken.toString()))) {
      assertThat(refused.exit()).isNotZero();
      assertThat(refused.out()).isEmpty();
      assertThat(refused.err()).contains("UNAUTHENTICATED");
    }
    CliRun denied = lookup("private", "--token-file", goodToken.toString());
    assertThat(denied.exit()).isNotZero();
    assertThat(denied.err()).contains("PERMISSION_DENIED");
  }

  @Test
  void refreshSendsTheTokenFirstAndNeedsTheRefreshGrant() {
    CliRun r = CliRun.of(Main::run, "refresh", "--worker", worker(), "--table", dir.resolve("data/users").toString(),
        "--token-file", goodToken.toString());
    assertThat(r.exit()).isNotZero(); // the grant has refresh: false (the default)
    assertThat(r.err()).contains("PERMISSION_DENIED").doesNotContain("UNAUTHENTICATED");
    CliRun wrong = CliRun.of(Main::run, "refresh", "--worker", worker(), "--table", dir.resolve("data/users").toString(),
        "--token-file", badToken.toString());
    assertThat(wrong.exit()).isNotZero();
    assertThat(wrong.err()).contains("UNAUTHENTICATED");
  }

  @Test
  void serveRefusesIncompleteTlsFlagsAndABadPolicyWithOneLine() throws Exception {
    String root = dir.resolve("data").toString();
    CliRun caOnly = CliRun.of(Main::run, "serve", "--root", root, "--port", "0", "--tls-client-ca", dir.resolve("ca.crt").toString());
    assertThat(caOnly.exit()).isNotZero();
    assertThat(caOnly.err()).contains("--tls-client-ca needs --tls-cert and --tls-key");
    CliRun certOnly = CliRun.of(Main::run, "serve", "--root", root, "--port", "0", "--tls-cert", dir.resolve("x.crt").toString());
    assertThat(certOnly.err()).contains("--tls-cert and --tls-key go together");
    Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a certificate\n");
    CliRun badCert = CliRun.of(Main::run, "serve", "--root", root, "--port", "0", "--tls-cert", garbage.toString(),
        "--tls-key", garbage.toString());
    assertThat(badCert.exit()).isNotZero();
    assertThat(badCert.err()).contains("TLS: cannot load certificate").contains(garbage.toString());
    Path badPolicy = Files.writeString(dir.resolve("bad-policy.yaml"), "grants:\n  - principal: x\n    tables: [relative/path]\n");
    CliRun policy = CliRun.of(Main::run, "serve", "--root", root, "--port", "0", "--auth-policy", badPolicy.toString());
    assertThat(policy.exit()).isNotZero();
    assertThat(policy.err()).contains(badPolicy.toString()).contains("grants[0]");
    assertThat(policy.err().strip().lines().count()).isEqualTo(1);
  }

  @Test
  void serveRefusesAnHttpClusterBesideAuthenticationItsCallsCouldNotCarry() throws Exception {
    String root = dir.resolve("data").toString();
    Path policy = Files.writeString(dir.resolve("http-policy.yaml"), "grants:\n  - principal: x\n    tables: [file:///]\n");
    CliRun both = CliRun.of(Main::run, "serve", "--root", root, "--port", "0", "--http-port", "0", "--auth-policy",
        policy.toString(), "--http-cluster", "127.0.0.1:1,127.0.0.1:2");
    assertThat(both.exit()).isNotZero();
    assertThat(both.err()).contains("--http-cluster does not go with --tls-cert or --auth-policy");
    assertThat(both.err().strip().lines().count()).isEqualTo(1);
    CliRun httpTlsWithoutCert = CliRun.of(Main::run, "serve", "--root", root, "--port", "0", "--http-port", "0", "--http-tls");
    assertThat(httpTlsWithoutCert.exit()).isNotZero();
    assertThat(httpTlsWithoutCert.err()).contains("--http-tls needs --tls-cert and --tls-key");
  }

  @Test
  void lookupOverHttpSendsTheTokenAsABearerAndTheWorkersPolicyHolds() throws Exception {
    try (io.needle.worker.http.HttpServer http = io.needle.worker.http.HttpServer.start(worker,
        io.needle.worker.http.HttpConfig.defaults("127.0.0.1", 0), io.needle.worker.http.FeatureViews.none(),
        io.needle.worker.http.HttpServer.inProcessClient(worker))) {
      String url = "http://127.0.0.1:" + http.address().getPort();
      CliRun ok = httpLookup(url, "users", "--token-file", goodToken.toString());
      assertThat(ok.exit()).as(ok.err()).isZero();
      assertThat(ok.out().strip()).isEqualTo("{\"user_id\":" + table.keyAt(42) + "}");
      for (CliRun refused : List.of(httpLookup(url, "users"), httpLookup(url, "users", "--token-file",
          badToken.toString()))) {
        assertThat(refused.exit()).isNotZero();
        assertThat(refused.out()).isEmpty();
        assertThat(refused.err()).contains("UNAUTHENTICATED").doesNotContain(TOKEN);
      }
      CliRun denied = httpLookup(url, "private", "--token-file", goodToken.toString());
      assertThat(denied.exit()).isNotZero();
      assertThat(denied.err()).contains("PERMISSION_DENIED").doesNotContain(TOKEN);
    }
  }

  private static CliRun httpLookup(String url, String tableDir, String... extra) {
    List<String> args = new java.util.ArrayList<>(List.of("lookup", "--http", url, "--table",
        dir.resolve("data").resolve(tableDir).toUri().toString(), "--key-column", "user_id", "--key",
        Long.toString(table.keyAt(42)), "--columns", "user_id", "--timeout", "10s"));
    args.addAll(List.of(extra));
    return CliRun.of(Main::run, args.toArray(String[]::new));
  }
}
