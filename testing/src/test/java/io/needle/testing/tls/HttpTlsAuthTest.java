package io.needle.testing.tls;

import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.client.ClientTls;
import io.needle.testing.ParquetOracle;
import io.needle.testing.e2e.LeakRecorder;
import io.needle.testsupport.CliRun;
import io.needle.worker.AuthConfig;
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

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
 * The HTTP/JSON port of a worker with TLS and an auth policy: TLS with the worker's certificate
 * (plaintext refused), the lookup port's tokens ({@code Authorization: Bearer}), client
 * certificates and grants; 401 without or with wrong credentials, 403 outside the grants (also
 * for Feast views and for tables that do not exist), and no answer names a table. Rows equal
 * parquet-java's. {@code needle lookup --http https://…} with {@code --tls-ca} and {@code
 * --token-file} is served the same way.
 */
class HttpTlsAuthTest {
  private static final String TOKEN = "http-7c4a8d09ca3762af61e59520943dc26494f8941b";

  @TempDir
  static Path dir;

  static Path root;
  static String teamA;
  static String teamB;
  static FeatureTable gen;
  static TestPki.Issued ca;
  static ServerTls tls;
  static Worker worker;
  static HttpServer http;
  static String base;
  static HttpClient trusting;

  @BeforeAll
  static void start() throws Exception {
    Path pki = Files.createDirectories(dir.resolve("pki"));
    ca = TestPki.ca(pki, "http-ca");
    TestPki.Issued server = TestPki.server(pki, "worker", ca);
    root = Files.createDirectories(dir.resolve("root")).toRealPath();
    gen = new FeatureTable(GenOptions.defaults(1_500, 1));
    gen.write(root.resolve("teamA/features"));
    gen.write(root.resolve("teamB/secret"));
    teamA = root.resolve("teamA/features").toUri().toString();
    teamB = root.resolve("teamB/secret").toUri().toString();
    Path policy = Files.writeString(dir.resolve("policy.yaml"), String.join("\n",
        "tokens:",
        "  - name: alpha",
        "    sha256: \"sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
            .digest(TOKEN.getBytes(StandardCharsets.UTF_8))) + "\"",
        "grants:",
        "  - principal: \"token:alpha\"",
        "    tables: [\"" + root.resolve("teamA").toUri() + "\"]",
        "  - principal: \"spiffe://needle.test/ns/ml/sa/ranker\"",
        "    tables: [\"" + root.resolve("teamB").toUri() + "\"]",
        ""));
    Path views = Files.writeString(dir.resolve("views.json"), """
        {"secret_view": {"table": "%s", "join_key": "user_id", "event_timestamp_column": "ts",
          "features": {"f": "f"}}}
        """.formatted(teamB));
    tls = ServerTls.start(TlsConfig.server(server.certificateFile(), server.keyFile())
        .withClientCa(ca.certificateFile(), TlsConfig.ClientCertificate.OPTIONAL));
    worker = Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(root)), null, null,
        new WorkerSecurity(tls, -1, AuthConfig.load(policy)));
    http = HttpServer.start(worker, HttpConfig.defaults("127.0.0.1", 0).withTls(true), FeatureViews.parse(views),
        HttpServer.inProcessClient(worker));
    base = "https://127.0.0.1:" + http.address().getPort();
    trusting = client(ClientTls.fromPem(ca.certificateFile(), null, null, true));
  }

  @AfterAll
  static void stop() throws InterruptedException {
    if (trusting != null) {
      trusting.close();
    }
    if (http != null) {
      http.close();
    }
    if (worker != null) {
      worker.close();
    }
    if (tls != null) {
      tls.close();
    }
    LeakRecorder.assertNoLeaks();
  }

  private static HttpClient client(ClientTls tls) {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(tls.sslContext())
        .connectTimeout(Duration.ofSeconds(10)).build();
  }

  private record Answer(int status, String body, HttpResponse<String> response) {}

  private static Answer post(HttpClient client, String path, String body, String authorization) throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    if (authorization != null) {
      r.header("Authorization", authorization);
    }
    HttpResponse<String> response = client.send(r.build(), HttpResponse.BodyHandlers.ofString());
    return new Answer(response.statusCode(), response.body(), response);
  }

  private static String lookupBody(String table, long key) {
    return "{\"table\":\"" + table + "\",\"key_column\":\"user_id\",\"keys\":[" + key + "]}";
  }

  /** The answer parquet-java's rows give for {@code key} of the table under {@code dir}. */
  private static String expected(String tableDir, long key) throws Exception {
    Path file;
    try (var files = Files.list(root.resolve(tableDir))) {
      file = files.filter(p -> p.toString().endsWith(".parquet")).findFirst().orElseThrow();
    }
    List<String> rows = ParquetOracle.lookupJson(file, FeatureTable.KEY_COLUMN, key,
        FeatureTable.SCHEMA.getFields().stream().map(org.apache.parquet.schema.Type::getName).toList());
    return "{\"results\":[{\"key\":" + key + ",\"rows\":[" + String.join(",", rows) + "]}]}";
  }

  private static void assertRefused(Answer a, int status, String code) {
    assertThat(a.status()).as(a.body()).isEqualTo(status);
    assertThat(a.body()).contains(code).doesNotContain(root.toString()).doesNotContain("teamA")
        .doesNotContain("teamB").doesNotContain("secret").doesNotContain("features").doesNotContain(TOKEN);
  }

  @Test
  void aGrantedTokenReadsRowsEqualToTheOracleAndOnlyUnderItsPrefix() throws Exception {
    long key = gen.keyAt(123);
    Answer ok = post(trusting, "/v1/lookup", lookupBody(teamA, key), "Bearer " + TOKEN);
    assertThat(ok.status()).as(ok.body()).isEqualTo(200);
    assertThat(ok.body()).isEqualTo(expected("teamA/features", key));
    assertRefused(post(trusting, "/v1/lookup", lookupBody(teamB, key), "Bearer " + TOKEN), 403, "PERMISSION_DENIED");
    // Outside the grant, a missing table is refused alike: existence is not revealed.
    assertRefused(post(trusting, "/v1/lookup", lookupBody(root.resolve("teamB/none").toUri().toString(), key),
        "Bearer " + TOKEN), 403, "PERMISSION_DENIED");
    assertRefused(post(trusting, "/v1/lookup", lookupBody(teamA + "/../../teamB/secret", key), "Bearer " + TOKEN),
        403, "PERMISSION_DENIED");
    Answer feast = post(trusting, "/get-online-features",
        "{\"features\":[\"secret_view:f\"],\"entities\":{\"user_id\":[" + key + "]}}", "Bearer " + TOKEN);
    assertThat(feast.status()).as(feast.body()).isEqualTo(403);
    assertThat(feast.body()).doesNotContain("teamB").doesNotContain(root.toString());
  }

  @Test
  void missingWrongAndNonBearerCredentialsAre401WithTheBearerChallenge() throws Exception {
    long key = gen.keyAt(5);
    for (String authorization : new String[] {null, "Bearer " + TOKEN + "x", "Bearer ", "Basic "
        + java.util.Base64.getEncoder().encodeToString(("alpha:" + TOKEN).getBytes(StandardCharsets.UTF_8))}) {
      Answer a = post(trusting, "/v1/lookup", lookupBody(teamA, key), authorization);
      assertRefused(a, 401, "UNAUTHENTICATED");
      assertThat(a.response().headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"needle\"");
    }
    // Not even the routes are told to an unauthenticated caller.
    assertRefused(post(trusting, "/no-such-path", "{}", null), 401, "UNAUTHENTICATED");
  }

  @Test
  void aClientCertificateIdentifiesTheCallerWithoutAToken() throws Exception {
    TestPki.Issued ranker = TestPki.client(Files.createDirectories(dir.resolve("clients")), "ranker", ca,
        "spiffe://needle.test/ns/ml/sa/ranker");
    long key = gen.keyAt(777);
    try (HttpClient withCertificate = client(ClientTls.fromPem(ca.certificateFile(), ranker.certificateFile(),
        ranker.keyFile(), true))) {
      Answer ok = post(withCertificate, "/v1/lookup", lookupBody(teamB, key), null);
      assertThat(ok.status()).as(ok.body()).isEqualTo(200);
      assertThat(ok.body()).isEqualTo(expected("teamB/secret", key));
      assertRefused(post(withCertificate, "/v1/lookup", lookupBody(teamA, key), null), 403, "PERMISSION_DENIED");
      // A wrong token is not overlooked because the certificate is good.
      assertRefused(post(withCertificate, "/v1/lookup", lookupBody(teamB, key), "Bearer wrong"), 401,
          "UNAUTHENTICATED");
    }
  }

  @Test
  void plaintextAndUntrustedClientsGetNoAnswer() throws Exception {
    try (HttpClient plain = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10)).build()) {
      HttpRequest r = HttpRequest.newBuilder(URI.create(base.replace("https:", "http:") + "/v1/lookup"))
          .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + TOKEN)
          .POST(HttpRequest.BodyPublishers.ofString(lookupBody(teamA, gen.keyAt(1)))).build();
      assertThat(catchThrowableOfType(IOException.class, () -> plain.send(r, HttpResponse.BodyHandlers.ofString())))
          .isNotNull();
    }
    TestPki.Issued otherCa = TestPki.ca(Files.createDirectories(dir.resolve("other")), "other-ca");
    try (HttpClient untrusting = client(ClientTls.fromPem(otherCa.certificateFile(), null, null, true))) {
      assertThat(catchThrowableOfType(IOException.class, () -> post(untrusting, "/v1/lookup",
          lookupBody(teamA, gen.keyAt(1)), "Bearer " + TOKEN))).isInstanceOf(javax.net.ssl.SSLException.class);
    }
  }

  @Test
  void lookupCommandOverHttpsWithTheCaAndATokenFilePrintsTheOraclesRow() throws Exception {
    long key = gen.keyAt(99);
    Path tokenFile = Files.writeString(dir.resolve("alpha.token"), TOKEN + "\n");
    String[] ok = cli("lookup", "--http", base, "--tls-ca", ca.certificateFile().toString(), "--token-file",
        tokenFile.toString(), "--table", teamA, "--key-column", "user_id", "--key", Long.toString(key));
    assertThat(ok[0]).as(ok[2]).isEqualTo("0");
    String row = expected("teamA/features", key);
    assertThat(ok[1].strip()).isEqualTo(row.substring(row.indexOf("\"rows\":[") + 8, row.length() - 4));
    String[] noToken = cli("lookup", "--http", base, "--tls-ca", ca.certificateFile().toString(), "--table", teamA,
        "--key-column", "user_id", "--key", Long.toString(key));
    assertThat(noToken[0]).isNotEqualTo("0");
    assertThat(noToken[2]).contains("UNAUTHENTICATED");
    String[] plainUrl = cli("lookup", "--http", base.replace("https:", "http:"), "--tls-ca",
        ca.certificateFile().toString(), "--table", teamA, "--key-column", "user_id", "--key", "1");
    assertThat(plainUrl[2]).contains("give --http https://HOST:PORT");
  }

  /** exit code, stdout, stderr of one {@code needle} command in this JVM. */
  private static String[] cli(String... args) {
    CliRun run = CliRun.of(io.needle.cli.Main::run, args);
    return new String[] {Integer.toString(run.exit()), run.out(), run.err()};
  }
}
