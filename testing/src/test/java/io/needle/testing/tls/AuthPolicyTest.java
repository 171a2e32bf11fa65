package io.needle.testing.tls;

import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.client.ClientTls;
import io.needle.client.NeedleClient;
import io.needle.client.NeedleException;
import io.needle.client.Row;
import io.needle.protocol.proto.ErrorCode;
import io.needle.protocol.proto.Response;
import io.needle.testing.ParquetOracle;
import io.needle.testing.e2e.LeakRecorder;
import io.needle.worker.AuthConfig;
import io.needle.worker.ServerTls;
import io.needle.worker.TlsConfig;
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
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Tokens, client certificates and the per-prefix policy against a real TLS worker: who has no
 * or wrong credentials gets UNAUTHENTICATED and the connection closes; a known identity gets
 * exactly its prefixes (on segment boundaries) and its Describe/Refresh rights, PERMISSION_DENIED
 * for everything else; no refusal names a table, a path or whether it exists.
 */
class AuthPolicyTest {
  private static final String ALPHA = "alpha-7f3c9a1e5b2d4c6f8a0b1c2d3e4f5a6b";
  private static final String BETA = "beta-0a1b2c3d4e5f60718293a4b5c6d7e8f9";

  @TempDir
  static Path dir;

  static Path root;
  static String teamA;
  static String teamAExtra;
  static String teamB;
  static FeatureTable gen;
  static TestPki.Issued ca;
  static ServerTls tls;
  static Worker worker;

  @BeforeAll
  static void start() throws Exception {
    Path pki = Files.createDirectories(dir.resolve("pki"));
    ca = TestPki.ca(pki, "needle-test-ca");
    TestPki.Issued server = TestPki.server(pki, "worker", ca);
    root = Files.createDirectories(dir.resolve("root")).toRealPath();
    gen = new FeatureTable(GenOptions.defaults(2_000, 1));
    for (String t : List.of("teamA/features", "teamA-extra/features", "teamB/secret")) {
      gen.write(root.resolve(t));
    }
    teamA = root.resolve("teamA/features").toUri().toString();
    teamAExtra = root.resolve("teamA-extra/features").toUri().toString();
    teamB = root.resolve("teamB/secret").toUri().toString();
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, String.join("\n",
        "# tokens are stored as SHA-256 digests only",
        "tokens:",
        "  - name: alpha",
        "    sha256: \"" + sha256(ALPHA) + "\"",
        "  - name: beta",
        "    sha256: \"" + sha256(BETA) + "\"",
        "grants:",
        "  - principal: \"token:alpha\"",
        "    tables: [\"" + root.resolve("teamA").toUri() + "\"]",
        "    describe: true",
        "    refresh: true",
        "  - principal: \"token:beta\"",
        "    tables: [\"" + root.resolve("teamB").toUri() + "\"]",
        "    describe: false",
        "  - principal: \"spiffe://needle.test/ns/ml/sa/ranker\"",
        "    tables: [\"" + root.resolve("teamA") + "\"]",
        "  - principal: \"reporter.needle.test\"",
        "    tables: [\"" + root.resolve("teamB").toUri() + "\"]",
        "    refresh: true",
        ""));
    tls = ServerTls.start(TlsConfig.server(server.certificateFile(), server.keyFile())
        .withClientCa(ca.certificateFile(), TlsConfig.ClientCertificate.OPTIONAL));
    worker = Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(root)), null, null,
        new WorkerSecurity(tls, -1, AuthConfig.load(policy)));
  }

  @AfterAll
  static void stop() throws InterruptedException {
    if (worker != null) {
      worker.close();
    }
    if (tls != null) {
      tls.close();
    }
    LeakRecorder.assertNoLeaks();
  }

  private static String sha256(String token) throws Exception {
    return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
        .digest(token.getBytes(StandardCharsets.UTF_8)));
  }

  private static ClientTls anonymous() {
    return ClientTls.fromPem(ca.certificateFile(), null, null, true);
  }

  private static ClientTls withCertificate(String name, String san) throws Exception {
    TestPki.Issued cert = TestPki.client(Files.createDirectories(dir.resolve("clients")), name, ca, san);
    return ClientTls.fromPem(ca.certificateFile(), cert.certificateFile(), cert.keyFile(), true);
  }

  private static NeedleClient.Builder client() {
    return NeedleClient.builder().workers(List.of("127.0.0.1:" + worker.address().getPort()))
        .tlsCa(ca.certificateFile()).requestTimeout(Duration.ofSeconds(20)).membershipRefresh(Duration.ofMillis(200));
  }

  /** A refusal: the code, and a message that names no table, path or root. */
  private static void assertRefused(Response response, ErrorCode code) {
    assertThat(response.hasError()).as("refused: %s", response).isTrue();
    assertThat(response.getError().getCode()).isEqualTo(code);
    assertNamesNothing(response.getError().getMessage());
  }

  private static void assertNamesNothing(String message) {
    assertThat(message).doesNotContain(root.toString()).doesNotContain("teamA").doesNotContain("teamB")
        .doesNotContain("secret").doesNotContain("features").doesNotContain(".parquet");
  }

  private static void assertRowMatchesOracle(Row row, long key) throws Exception {
    Path file;
    try (var files = Files.list(root.resolve("teamA/features"))) {
      file = files.filter(p -> p.toString().endsWith(".parquet")).findFirst().orElseThrow();
    }
    List<String> expected = ParquetOracle.lookupJson(file, FeatureTable.KEY_COLUMN, key,
        FeatureTable.SCHEMA.getFields().stream().map(org.apache.parquet.schema.Type::getName).toList());
    assertThat(List.of(row.toJson())).isEqualTo(expected);
  }

  @Test
  void withoutCredentialsEveryRequestIsUnauthenticatedAndTheConnectionCloses() throws Exception {
    try (Wire wire = Wire.tls(anonymous(), worker.address())) {
      assertRefused(wire.lookup(teamA, FeatureTable.KEY_COLUMN, gen.keyAt(1)), ErrorCode.UNAUTHENTICATED);
      assertThat(wire.closedByPeer()).isTrue();
    }
    for (String table : List.of(teamA, teamB, root.resolve("nothing-here").toUri().toString())) {
      try (Wire wire = Wire.tls(anonymous(), worker.address())) {
        assertRefused(wire.describe(table), ErrorCode.UNAUTHENTICATED);
      }
    }
    try (Wire wire = Wire.tls(anonymous(), worker.address())) {
      assertRefused(wire.health(), ErrorCode.UNAUTHENTICATED);
    }
    try (NeedleClient c = client().build()) {
      NeedleException e = catchThrowableOfType(NeedleException.class,
          () -> c.table(teamA, FeatureTable.KEY_COLUMN).lookup(gen.keyAt(1), List.of()));
      assertThat(e.code()).isEqualTo(NeedleException.Code.UNAUTHENTICATED);
      assertNamesNothing(e.getMessage().replace(teamA, "")); // the client may repeat its own URI, the worker does not
    }
  }

  @Test
  void aWrongTokenIsUnauthenticatedAndClosesTheConnection() throws Exception {
    try (Wire wire = Wire.tls(anonymous(), worker.address())) {
      assertRefused(wire.authenticate(ALPHA + "x"), ErrorCode.UNAUTHENTICATED);
      assertThat(wire.closedByPeer()).isTrue();
    }
    try (Wire wire = Wire.tls(anonymous(), worker.address())) {
      assertRefused(wire.authenticate(""), ErrorCode.UNAUTHENTICATED);
    }
    try (NeedleClient c = client().token("not-a-token").build()) {
      NeedleException e = catchThrowableOfType(NeedleException.class,
          () -> c.table(teamA, FeatureTable.KEY_COLUMN).lookup(gen.keyAt(1), List.of()));
      assertThat(e.code()).isEqualTo(NeedleException.Code.UNAUTHENTICATED);
    }
  }

  @Test
  void aTokenReadsUnderItsPrefixOnlyIncludingDescribeAndRefresh() throws Exception {
    long key = gen.keyAt(321);
    try (NeedleClient c = client().token(ALPHA).build()) {
      List<Row> rows = c.table(teamA, FeatureTable.KEY_COLUMN).lookup(key, List.of());
      assertThat(rows).hasSize(1);
      assertRowMatchesOracle(rows.get(0), key);
      for (String denied : List.of(teamB, teamAExtra)) { // teamA-extra: not on a segment boundary of teamA
        NeedleException e = catchThrowableOfType(NeedleException.class,
            () -> c.table(denied, FeatureTable.KEY_COLUMN).lookup(key, List.of()));
        assertThat(e.code()).isEqualTo(NeedleException.Code.PERMISSION_DENIED);
        assertNamesNothing(e.getMessage().replace(denied, ""));
      }
    }
    try (Wire wire = Wire.tls(anonymous(), worker.address())) {
      assertThat(wire.authenticate(ALPHA).getAuthenticate().getPrincipal()).isEqualTo("token:alpha");
      assertRefused(wire.authenticate(ALPHA), ErrorCode.INVALID_ARGUMENT); // once per connection
      assertThat(wire.describe(teamA).getDescribe().getFilesCount()).isEqualTo(1);
      assertThat(wire.refresh(teamA).getRefresh().getFilesCount()).isEqualTo(1);
      assertRefused(wire.describe(teamB), ErrorCode.PERMISSION_DENIED);
      assertRefused(wire.refresh(teamB), ErrorCode.PERMISSION_DENIED);
      assertRefused(wire.describe(root.toUri().toString()), ErrorCode.PERMISSION_DENIED); // no listing above the prefix
      // A way out of the prefix by .. is refused, in plain and encoded form, whatever it names.
      assertRefused(wire.lookup(teamA + "/../../teamB/secret", FeatureTable.KEY_COLUMN, key), ErrorCode.PERMISSION_DENIED);
      assertRefused(wire.lookup(teamA + "/%2e%2e/%2e%2e/teamB/secret", FeatureTable.KEY_COLUMN, key),
          ErrorCode.PERMISSION_DENIED);
      // Existence is not revealed outside the prefix; inside it, a missing table is NOT_FOUND as before.
      assertRefused(wire.lookup(root.resolve("teamB/no-such").toUri().toString(), FeatureTable.KEY_COLUMN, key),
          ErrorCode.PERMISSION_DENIED);
      assertThat(wire.lookup(root.resolve("teamA/no-such").toUri().toString(), FeatureTable.KEY_COLUMN, key)
          .getError().getCode()).isEqualTo(ErrorCode.NOT_FOUND);
      assertThat(wire.lookup(teamA, FeatureTable.KEY_COLUMN, key).hasError()).isFalse();
    }
    try (Wire wire = Wire.tls(anonymous(), worker.address())) {
      wire.authenticate(BETA);
      assertThat(wire.lookup(teamB, FeatureTable.KEY_COLUMN, key).hasError()).isFalse();
      assertRefused(wire.describe(teamB), ErrorCode.PERMISSION_DENIED); // describe: false
      assertRefused(wire.refresh(teamB), ErrorCode.PERMISSION_DENIED); // refresh is off unless granted
      assertRefused(wire.lookup(teamA, FeatureTable.KEY_COLUMN, key), ErrorCode.PERMISSION_DENIED);
    }
  }

  @Test
  void aClientCertificateIdentifiesBySpiffeIdOrDnsName() throws Exception {
    long key = gen.keyAt(1_234);
    ClientTls ranker = withCertificate("ranker", "spiffe://needle.test/ns/ml/sa/ranker");
    try (Wire wire = Wire.tls(ranker, worker.address())) {
      assertThat(wire.health().hasHealth()).isTrue();
      assertThat(wire.lookup(teamA, FeatureTable.KEY_COLUMN, key).hasError()).isFalse();
      assertRefused(wire.lookup(teamB, FeatureTable.KEY_COLUMN, key), ErrorCode.PERMISSION_DENIED);
      assertThat(wire.describe(teamA).getDescribe().getFilesCount()).isEqualTo(1); // describe: true by default
      assertRefused(wire.refresh(teamA), ErrorCode.PERMISSION_DENIED); // refresh: false by default
      assertRefused(wire.describe(teamB), ErrorCode.PERMISSION_DENIED);
      assertRefused(wire.authenticate(BETA), ErrorCode.INVALID_ARGUMENT); // authenticated by its certificate
    }
    TestPki.Issued rankerFiles = TestPki.client(dir.resolve("clients"), "ranker-2", ca, "spiffe://needle.test/ns/ml/sa/ranker");
    try (NeedleClient c = client().tlsClientCertificate(rankerFiles.certificateFile(), rankerFiles.keyFile()).build()) {
      List<Row> rows = c.table(teamA, FeatureTable.KEY_COLUMN).lookup(key, List.of());
      assertThat(rows).hasSize(1);
      assertRowMatchesOracle(rows.get(0), key);
    }
    try (Wire wire = Wire.tls(withCertificate("reporter", "reporter.needle.test"), worker.address())) {
      assertThat(wire.lookup(teamB, FeatureTable.KEY_COLUMN, key).hasError()).isFalse();
      assertThat(wire.describe(teamB).getDescribe().getFilesCount()).isEqualTo(1);
      assertThat(wire.refresh(teamB).getRefresh().getFilesCount()).isEqualTo(1);
      assertRefused(wire.lookup(teamA, FeatureTable.KEY_COLUMN, key), ErrorCode.PERMISSION_DENIED);
    }
  }

  @Test
  void aCertificateTheCaSignedButThePolicyDoesNotNameIsDeniedUntilItSendsAToken() throws Exception {
    long key = gen.keyAt(55);
    try (Wire wire = Wire.tls(withCertificate("stranger", "spiffe://needle.test/ns/other/sa/stranger"), worker.address())) {
      assertThat(wire.health().hasHealth()).isTrue(); // known identity: it may see the worker is up
      assertRefused(wire.lookup(teamA, FeatureTable.KEY_COLUMN, key), ErrorCode.PERMISSION_DENIED);
      assertThat(wire.authenticate(ALPHA).getAuthenticate().getPrincipal()).isEqualTo("token:alpha");
      assertThat(wire.lookup(teamA, FeatureTable.KEY_COLUMN, key).hasError()).isFalse();
    }
  }
}
