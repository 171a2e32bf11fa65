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
import io.needle.worker.ServerAuth;
import io.needle.worker.ServerTls;
import io.needle.worker.TlsConfig;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import io.needle.worker.WorkerSecurity;
import io.needle.worker.http.FeatureViews;
import io.needle.worker.http.HttpConfig;
import io.needle.worker.http.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.function.LongSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The auth policy file changed under a running TLS worker named {@code needle-prod-1} (no
 * restart): a token loses one table and gains another, on connections opened before the change as
 * on new ones, on the lookup port and the HTTP port; a token removed from the file ends its open
 * connection; a file that does not load is refused and the old policy serves on. Tokens with an
 * expiry are refused from that instant on, also on a connection they authenticated before it;
 * tokens whose audience leaves this worker out are refused. An expired or foreign token gets
 * exactly the answer an unknown one gets. Rows equal parquet-java's.
 */
class PolicyReloadTest {
  private static final String ALPHA = "alpha-5e884898da28047151d0e56f8dc62927";
  private static final String BETA = "beta-6b86b273ff34fce19d6b804eff5a3f57";
  private static final String WORKER_NAME = "needle-prod-1";

  @TempDir
  static Path dir;

  static Path root;
  static Path policy;
  static String teamA;
  static String teamB;
  static FeatureTable gen;
  static TestPki.Issued ca;
  static ServerTls tls;
  static ServerAuth auth;
  static Worker worker;
  static HttpServer http;
  static HttpClient https;
  static int versions;

  @BeforeAll
  static void start() throws Exception {
    Path pki = Files.createDirectories(dir.resolve("pki"));
    ca = TestPki.ca(pki, "reload-ca");
    TestPki.Issued server = TestPki.server(pki, "worker", ca);
    root = Files.createDirectories(dir.resolve("root")).toRealPath();
    gen = new FeatureTable(GenOptions.defaults(1_500, 1));
    gen.write(root.resolve("teamA/features"));
    gen.write(root.resolve("teamB/features"));
    teamA = root.resolve("teamA/features").toUri().toString();
    teamB = root.resolve("teamB/features").toUri().toString();
    policy = dir.resolve("policy.yaml");
    Files.writeString(policy, policyText(List.of(token("alpha", ALPHA, null, null), token("beta", BETA, null, null)),
        List.of(grant("alpha", "teamA"), grant("beta", "teamB"))));
    tls = ServerTls.start(TlsConfig.server(server.certificateFile(), server.keyFile()));
    auth = ServerAuth.watch(policy, Duration.ofMillis(100));
    worker = Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(root)).withName(WORKER_NAME), null, null,
        WorkerSecurity.of(tls, -1, auth));
    http = HttpServer.start(worker, HttpConfig.defaults("127.0.0.1", 0).withTls(true), FeatureViews.none(),
        HttpServer.inProcessClient(worker));
    https = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .sslContext(ClientTls.fromPem(ca.certificateFile(), null, null, true).sslContext())
        .connectTimeout(Duration.ofSeconds(10)).build();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    if (https != null) {
      https.close();
    }
    if (http != null) {
      http.close();
    }
    if (worker != null) {
      worker.close();
    }
    if (auth != null) {
      auth.close();
    }
    if (tls != null) {
      tls.close();
    }
    LeakRecorder.assertNoLeaks();
  }

  @Test
  void aTokenLosesAndGainsTablesOnOpenConnectionsAndTheHttpPortWithoutARestart() throws Exception {
    writePolicy(List.of(token("alpha", ALPHA, null, null), token("beta", BETA, null, null)),
        List.of(grant("alpha", "teamA"), grant("beta", "teamB")));
    long key = gen.keyAt(17);
    try (Wire alpha = Wire.tls(anonymous(), worker.address()); Wire beta = Wire.tls(anonymous(), worker.address());
         NeedleClient client = client(ALPHA)) {
      assertThat(alpha.authenticate(ALPHA).hasError()).isFalse();
      assertThat(beta.authenticate(BETA).hasError()).isFalse();
      assertServed(alpha.lookup(teamA, FeatureTable.KEY_COLUMN, key));
      assertRefused(alpha.lookup(teamB, FeatureTable.KEY_COLUMN, key), ErrorCode.PERMISSION_DENIED);
      assertRowsMatch(client.table(teamA, FeatureTable.KEY_COLUMN).lookup(key, List.of()), "teamA", key);
      assertThat(post(teamA, key, ALPHA).statusCode()).isEqualTo(200);
      assertThat(post(teamB, key, ALPHA).statusCode()).isEqualTo(403);

      // alpha moves from teamA to teamB; beta keeps teamB.
      writePolicy(List.of(token("alpha", ALPHA, null, null), token("beta", BETA, null, null)),
          List.of(grant("alpha", "teamB"), grant("beta", "teamB")));
      assertRefused(alpha.lookup(teamA, FeatureTable.KEY_COLUMN, key), ErrorCode.PERMISSION_DENIED);
      assertServed(alpha.lookup(teamB, FeatureTable.KEY_COLUMN, key)); // the same connection, not closed
      assertServed(beta.lookup(teamB, FeatureTable.KEY_COLUMN, key));
      NeedleException lost = catchThrowableOfType(NeedleException.class,
          () -> client.table(teamA, FeatureTable.KEY_COLUMN).lookup(key, List.of()));
      assertThat(lost.code()).as(lost.getMessage()).isEqualTo(NeedleException.Code.PERMISSION_DENIED);
      assertRowsMatch(client.table(teamB, FeatureTable.KEY_COLUMN).lookup(key, List.of()), "teamB", key);
      HttpResponse<String> gained = post(teamB, key, ALPHA);
      assertThat(gained.statusCode()).as(gained.body()).isEqualTo(200);
      assertThat(gained.body()).isEqualTo(expectedJson("teamB", key));
      assertThat(post(teamA, key, ALPHA).statusCode()).isEqualTo(403);

      // beta is removed from the file: its open connection is refused and closed at its next request.
      writePolicy(List.of(token("alpha", ALPHA, null, null)), List.of(grant("alpha", "teamB")));
      assertRefused(beta.lookup(teamB, FeatureTable.KEY_COLUMN, key), ErrorCode.UNAUTHENTICATED);
      assertThat(beta.closedByPeer()).isTrue();
      assertThat(post(teamB, key, BETA).statusCode()).isEqualTo(401);
      assertServed(alpha.lookup(teamB, FeatureTable.KEY_COLUMN, key));
    }
  }

  @Test
  void aFileThatDoesNotLoadIsRefusedAndTheOldPolicyServesOn() throws Exception {
    writePolicy(List.of(token("alpha", ALPHA, null, null)), List.of(grant("alpha", "teamA")));
    long key = gen.keyAt(5);
    long reloads = auth.reloads();
    for (String bad : List.of("tokens: [\n", // not YAML
        "grants:\n  - principal: \"token:ghost\"\n    tables: [\"" + root.toUri() + "\"]\n", // an undefined token
        "grants:\n  - principal: \"token:alpha\"\n    tabels: [\"" + root.toUri() + "\"]\n")) { // a typo
      long refused = auth.refusedReloads();
      replace(policy, bad);
      await(auth::refusedReloads, refused + 1);
      assertThat(auth.reloads()).as("nothing was loaded").isEqualTo(reloads);
      try (Wire alpha = Wire.tls(anonymous(), worker.address())) {
        assertThat(alpha.authenticate(ALPHA).hasError()).as("the old policy authenticates").isFalse();
        assertServed(alpha.lookup(teamA, FeatureTable.KEY_COLUMN, key));
      }
      assertThat(post(teamA, key, ALPHA).statusCode()).isEqualTo(200);
    }
    writePolicy(List.of(token("alpha", ALPHA, null, null)), List.of(grant("alpha", "teamB")));
    try (Wire alpha = Wire.tls(anonymous(), worker.address())) {
      assertThat(alpha.authenticate(ALPHA).hasError()).isFalse();
      assertRefused(alpha.lookup(teamA, FeatureTable.KEY_COLUMN, key), ErrorCode.PERMISSION_DENIED);
    }
  }

  @Test
  void anExpiredTokenIsRefusedOnBothPortsExactlyAsAnUnknownOne() throws Exception {
    writePolicy(List.of(token("alpha", ALPHA, Instant.parse("2020-01-01T00:00:00Z"), null),
        token("beta", BETA, Instant.parse("2999-01-01T00:00:00Z"), null)),
        List.of(grant("alpha", "teamA"), grant("beta", "teamA")));
    long key = gen.keyAt(9);
    Response unknown;
    try (Wire wire = Wire.tls(anonymous(), worker.address())) {
      unknown = wire.authenticate(ALPHA + "-not-the-token");
    }
    try (Wire wire = Wire.tls(anonymous(), worker.address())) {
      Response expired = wire.authenticate(ALPHA);
      assertRefused(expired, ErrorCode.UNAUTHENTICATED);
      assertThat(expired.getError()).as("the same answer as an unknown token's").isEqualTo(unknown.getError());
      assertThat(wire.closedByPeer()).isTrue();
    }
    try (NeedleClient client = client(ALPHA)) {
      NeedleException e = catchThrowableOfType(NeedleException.class,
          () -> client.table(teamA, FeatureTable.KEY_COLUMN).lookup(key, List.of()));
      assertThat(e.code()).as(e.getMessage()).isEqualTo(NeedleException.Code.UNAUTHENTICATED);
    }
    HttpResponse<String> expiredHttp = post(teamA, key, ALPHA);
    HttpResponse<String> unknownHttp = post(teamA, key, ALPHA + "-not-the-token");
    assertThat(expiredHttp.statusCode()).isEqualTo(401);
    assertThat(expiredHttp.body()).isEqualTo(unknownHttp.body()).doesNotContain("teamA").doesNotContain("expire");
    // Not yet expired: served, on both ports.
    try (NeedleClient client = client(BETA)) {
      assertRowsMatch(client.table(teamA, FeatureTable.KEY_COLUMN).lookup(key, List.of()), "teamA", key);
    }
    assertThat(post(teamA, key, BETA).body()).isEqualTo(expectedJson("teamA", key));
  }

  @Test
  void aTokenThatExpiresWhileItsConnectionIsOpenIsRefusedAtTheNextRequest() throws Exception {
    long key = gen.keyAt(11);
    // The token must authenticate before it expires; on a slow machine that may take longer than a
    // short margin, so the margin grows until it did. The expiry itself is waited for, not assumed.
    for (long marginMillis : new long[] {2_000, 10_000, 60_000}) {
      Instant expires = Instant.ofEpochMilli(System.currentTimeMillis() + marginMillis);
      writePolicy(List.of(token("alpha", ALPHA, expires, null)), List.of(grant("alpha", "teamA")));
      try (Wire alpha = Wire.tls(anonymous(), worker.address())) {
        Response authenticated = alpha.authenticate(ALPHA);
        Response served = authenticated.hasError() ? null : alpha.lookup(teamA, FeatureTable.KEY_COLUMN, key);
        if (served == null || served.hasError() || !Instant.now().isBefore(expires)) {
          assertThat(Instant.now()).as("refused only once expired: %s %s", authenticated, served).isAfterOrEqualTo(expires);
          continue; // too slow for this margin: try a longer one
        }
        HttpResponse<String> before = post(teamA, key, ALPHA);
        while (Instant.now().isBefore(expires.plusMillis(1))) {
          Thread.sleep(Math.max(1, Duration.between(Instant.now(), expires).toMillis() + 1));
        }
        assertRefused(alpha.lookup(teamA, FeatureTable.KEY_COLUMN, key), ErrorCode.UNAUTHENTICATED);
        assertThat(alpha.closedByPeer()).isTrue();
        assertThat(post(teamA, key, ALPHA).statusCode()).isEqualTo(401);
        if (before.statusCode() == 200) { // sent before the expiry, unless the machine stalled in between
          assertThat(before.body()).isEqualTo(expectedJson("teamA", key));
        }
        return;
      }
    }
    throw new AssertionError("the token never authenticated before its expiry, even with a 60 s margin");
  }

  @Test
  void aTokenWhoseAudienceLeavesThisWorkerOutIsRefusedAsAnUnknownOne() throws Exception {
    writePolicy(List.of(token("alpha", ALPHA, null, List.of("needle-staging-*", "needle-prod-10")),
        token("beta", BETA, null, List.of("needle-prod-*"))), List.of(grant("alpha", "teamA"), grant("beta", "teamA")));
    long key = gen.keyAt(3);
    try (Wire wire = Wire.tls(anonymous(), worker.address())) {
      assertRefused(wire.authenticate(ALPHA), ErrorCode.UNAUTHENTICATED);
      assertThat(wire.closedByPeer()).isTrue();
    }
    assertThat(post(teamA, key, ALPHA).statusCode()).isEqualTo(401);
    try (NeedleClient client = client(BETA)) {
      assertRowsMatch(client.table(teamA, FeatureTable.KEY_COLUMN).lookup(key, List.of()), "teamA", key);
    }
    assertThat(post(teamA, key, BETA).body()).isEqualTo(expectedJson("teamA", key));
  }

  // ---- the policy file

  private static String token(String name, String token, Instant expires, List<String> audience) throws Exception {
    String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    return "  - name: " + name + "\n    sha256: \"sha256:" + digest + "\"\n"
        + (expires == null ? "" : "    expires: \"" + expires + "\"\n")
        + (audience == null ? "" : "    audience: [\"" + String.join("\", \"", audience) + "\"]\n");
  }

  private static String grant(String token, String team) {
    return "  - principal: \"token:" + token + "\"\n    tables: [\"" + root.resolve(team).toUri() + "\"]\n";
  }

  private static String policyText(List<String> tokens, List<String> grants) {
    // A version comment: every write differs from the last, so every write is a change to load.
    return "# version " + (++versions) + "\ntokens:\n" + String.join("", tokens) + "grants:\n" + String.join("", grants);
  }

  /** Replaces the policy file and waits until the worker has loaded it. */
  private static void writePolicy(List<String> tokens, List<String> grants) throws Exception {
    long before = auth.reloads();
    replace(policy, policyText(tokens, grants));
    await(auth::reloads, before + 1);
  }

  /** As an operator's editor or a Secret update does: a whole new file, never half of one. */
  private static void replace(Path file, String text) throws Exception {
    Path next = Files.writeString(file.resolveSibling(file.getFileName() + ".next"), text);
    Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static void await(LongSupplier counter, long atLeast) throws InterruptedException {
    long end = System.nanoTime() + 60_000_000_000L;
    while (counter.getAsLong() < atLeast && System.nanoTime() - end < 0) {
      Thread.sleep(20);
    }
    assertThat(counter.getAsLong()).as("the watcher saw the change").isGreaterThanOrEqualTo(atLeast);
  }

  // ---- clients and what they see

  private static ClientTls anonymous() {
    return ClientTls.fromPem(ca.certificateFile(), null, null, true);
  }

  private static NeedleClient client(String token) {
    return NeedleClient.builder().workers(List.of("127.0.0.1:" + worker.address().getPort()))
        .tlsCa(ca.certificateFile()).token(token).requestTimeout(Duration.ofSeconds(20)).build();
  }

  private static HttpResponse<String> post(String table, long key, String token) throws Exception {
    HttpRequest r = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + http.address().getPort() + "/v1/lookup"))
        .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
        .header("Authorization", "Bearer " + token)
        .POST(HttpRequest.BodyPublishers.ofString("{\"table\":\"" + table + "\",\"key_column\":\"user_id\",\"keys\":["
            + key + "]}")).build();
    return https.send(r, HttpResponse.BodyHandlers.ofString());
  }

  private static void assertServed(Response response) {
    assertThat(response.hasError()).as("served: %s", response.getError()).isFalse();
    assertThat(response.hasLookup()).isTrue();
  }

  private static void assertRefused(Response response, ErrorCode code) {
    assertThat(response.hasError()).as("refused: %s", response).isTrue();
    assertThat(response.getError().getCode()).isEqualTo(code);
    assertThat(response.getError().getMessage()).doesNotContain(root.toString()).doesNotContain("team")
        .doesNotContain("features").doesNotContain("expire");
  }

  private static List<String> oracle(String team, long key) throws Exception {
    Path file;
    try (var files = Files.list(root.resolve(team).resolve("features"))) {
      file = files.filter(p -> p.toString().endsWith(".parquet")).findFirst().orElseThrow();
    }
    return ParquetOracle.lookupJson(file, FeatureTable.KEY_COLUMN, key,
        FeatureTable.SCHEMA.getFields().stream().map(org.apache.parquet.schema.Type::getName).toList());
  }

  private static void assertRowsMatch(List<Row> rows, String team, long key) throws Exception {
    assertThat(rows.stream().map(Row::toJson).toList()).isEqualTo(oracle(team, key));
  }

  private static String expectedJson(String team, long key) throws Exception {
    return "{\"results\":[{\"key\":" + key + ",\"rows\":[" + String.join(",", oracle(team, key)) + "]}]}";
  }
}
