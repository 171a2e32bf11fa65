package io.needle.testing.http;

import io.needle.bench.gen.RagTable;
import io.needle.testing.MatrixTables;
import io.needle.testing.ParquetOracle;
import io.needle.testing.TableSpec;
import io.needle.testing.ValueJson;
import io.needle.testing.tls.TestPki;
import io.needle.worker.AuthConfig;
import io.needle.worker.ServerTls;
import io.needle.worker.TlsConfig;
import io.needle.worker.Worker;
import io.needle.worker.WorkerSecurity;
import io.needle.worker.WorkerConfig;
import io.needle.worker.http.FeatureViews;
import io.needle.worker.http.HttpConfig;
import io.needle.worker.http.HttpServer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the Python client's tests ({@code clients/python/tests}, {@code python3 -m unittest})
 * against a real worker's HTTP port, with the oracle's answers (parquet-java's reading of the
 * same files) in a cases file; fails when they fail. Skipped only where python3 is missing, and
 * never on CI ({@code CI=true}), where a missing python3 is a failure.
 */
class PythonClientTest {
  private static final OracleRows ORACLE = new OracleRows();

  @TempDir
  static Path dir;

  @Test
  void pythonClientTestsPassAgainstARealWorker() throws Exception {
    boolean python = hasPython();
    if (!python && "true".equalsIgnoreCase(System.getenv("CI"))) {
      throw new AssertionError("python3 is required on CI to run the Python client's tests");
    }
    Assumptions.assumeTrue(python, "python3 not found");

    Path matrix = Files.createDirectories(dir.resolve("matrix"));
    List<TableSpec> tables = MatrixTables.write(matrix);
    Path rag = dir.resolve("rag");
    int docs = 120;
    List<Path> ragFiles = RagTable.write(RagTable.defaultOptions(docs, 2).withEmbeddingDim(16), rag);

    StringBuilder cases = new StringBuilder("{\"lookups\":[");
    Random random = new Random(13);
    TableSpec longKeys = null;
    for (int t = 0; t < tables.size(); t++) {
      TableSpec spec = tables.get(t);
      if (longKeys == null && spec.presentKeys().get(0) instanceof Long) {
        longKeys = spec;
      }
      List<Object> keys = new ArrayList<>(spec.duplicateKeys());
      for (int i = 0; i < 5; i++) {
        keys.add(spec.presentKeys().get(random.nextInt(spec.presentKeys().size())));
      }
      keys.addAll(spec.absentKeys());
      Collections.shuffle(keys, random);
      cases.append(t == 0 ? "" : ",").append(lookupCase(spec, keys));
    }
    assertThat(longKeys).isNotNull();
    cases.append("],\"long_key_table\":{\"table\":").append(ValueJson.value(longKeys.dir().toUri().toString()))
        .append(",\"key_column\":").append(ValueJson.value(longKeys.keyColumn())).append("}");
    cases.append(",\"rag\":{\"table\":").append(ValueJson.value(rag.toUri().toString())).append(",\"docs\":")
        .append(docs).append(",\"expected\":{");
    List<String> columns = List.of("doc_id", "title", "text", "embedding");
    boolean first = true;
    for (Path f : ragFiles) {
      for (var row : ParquetOracle.readAll(f)) {
        cases.append(first ? "" : ",").append(ValueJson.value(row.get("doc_id"))).append(':')
            .append(ParquetOracle.json(row, columns));
        first = false;
      }
    }
    cases.append("}}}");
    Path casesFile = dir.resolve("cases.json");
    Files.writeString(casesFile, cases, StandardCharsets.UTF_8);

    try (Worker worker = Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(matrix, rag)));
        HttpServer http = HttpServer.start(worker, HttpConfig.defaults("127.0.0.1", 0), FeatureViews.none(),
            HttpServer.inProcessClient(worker))) {
      String text = unittest("test*.py", Map.of("NEEDLE_URL", "http://127.0.0.1:" + http.address().getPort(),
          "NEEDLE_CASES", casesFile.toString()));
      assertThat(text).as(text).contains("Ran 7 tests").doesNotContain("skipped");
    }
  }

  /**
   * The client over TLS with a token ({@code tests/tls_checks.py}) against a worker whose HTTP
   * port speaks TLS and checks the worker's auth policy: rows equal the oracle's with the CA and a
   * granted token; no token and a wrong token are 401, a table outside the grant 403, a worker
   * certificate from another CA and plaintext to the TLS port unavailable.
   */
  @Test
  void pythonClientOverTlsWithATokenIsServedAndItsCredentialsAreChecked() throws Exception {
    boolean python = hasPython();
    if (!python && "true".equalsIgnoreCase(System.getenv("CI"))) {
      throw new AssertionError("python3 is required on CI to run the Python client's tests");
    }
    Assumptions.assumeTrue(python, "python3 not found");
    Path root = Files.createDirectories(dir.resolve("secured"));
    List<TableSpec> tables = MatrixTables.write(Files.createDirectories(root.resolve("granted")));
    Path denied = root.resolve("denied/rag");
    RagTable.write(RagTable.defaultOptions(20, 1).withEmbeddingDim(4), denied);
    Random random = new Random(29);
    StringBuilder cases = new StringBuilder("{\"lookups\":[");
    for (int t = 0; t < Math.min(4, tables.size()); t++) {
      TableSpec spec = tables.get(t);
      List<Object> keys = new ArrayList<>(spec.absentKeys());
      for (int i = 0; i < 4; i++) {
        keys.add(spec.presentKeys().get(random.nextInt(spec.presentKeys().size())));
      }
      cases.append(t == 0 ? "" : ",").append(lookupCase(spec, keys));
    }
    cases.append("]}");
    Path casesFile = Files.writeString(dir.resolve("secured-cases.json"), cases, StandardCharsets.UTF_8);
    Path pki = Files.createDirectories(dir.resolve("pki"));
    TestPki.Issued ca = TestPki.ca(pki, "python-ca");
    TestPki.Issued server = TestPki.server(pki, "worker", ca);
    TestPki.Issued otherCa = TestPki.ca(pki, "other-ca");
    String token = "py-" + java.util.UUID.randomUUID();
    Path policy = Files.writeString(dir.resolve("policy.yaml"), String.join("\n",
        "tokens:",
        "  - name: python",
        "    sha256: \"sha256:" + java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
            .digest(token.getBytes(StandardCharsets.UTF_8))) + "\"",
        "grants:",
        "  - principal: \"token:python\"",
        "    tables: [\"" + root.resolve("granted").toUri() + "\"]",
        ""));
    try (ServerTls tls = ServerTls.start(TlsConfig.server(server.certificateFile(), server.keyFile()));
        Worker worker = Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(root)), null, null,
            new WorkerSecurity(tls, -1, AuthConfig.load(policy)));
        HttpServer http = HttpServer.start(worker, HttpConfig.defaults("127.0.0.1", 0).withTls(true),
            FeatureViews.none(), HttpServer.inProcessClient(worker))) {
      String text = unittest("tls_checks.py", Map.of("NEEDLE_URL", "https://127.0.0.1:" + http.address().getPort(),
          "NEEDLE_CASES", casesFile.toString(), "NEEDLE_CA", ca.certificateFile().toString(),
          "NEEDLE_OTHER_CA", otherCa.certificateFile().toString(), "NEEDLE_TOKEN", token,
          "NEEDLE_DENIED_TABLE", denied.toUri().toString()));
      assertThat(text).as(text).contains("Ran 7 tests").doesNotContain("skipped");
    }
  }

  /** Runs the client's tests matching {@code pattern} with {@code env}; their output, once they passed. */
  private static String unittest(String pattern, Map<String, String> env) throws Exception {
    Path clientDir = Path.of(System.getProperty("user.dir")).resolve("../clients/python").normalize();
    ProcessBuilder pb = new ProcessBuilder("python3", "-m", "unittest", "discover", "-s", "tests", "-t", ".",
        "-p", pattern, "-v").directory(clientDir.toFile()).redirectErrorStream(true);
    pb.environment().putAll(env);
    pb.environment().put("PYTHONDONTWRITEBYTECODE", "1");
    Process p = pb.start();
    byte[] output = p.getInputStream().readAllBytes(); // until the process closes its output
    boolean ended = p.waitFor(5, TimeUnit.MINUTES);
    if (!ended) {
      p.destroyForcibly();
    }
    String text = new String(output, StandardCharsets.UTF_8);
    assertThat(ended).as("python3 -m unittest did not end:\n%s", text).isTrue();
    assertThat(p.exitValue()).as("python3 -m unittest failed:\n%s", text).isZero();
    return text;
  }

  private static String lookupCase(TableSpec spec, List<Object> keys) {
    StringBuilder out = new StringBuilder("{\"table\":").append(ValueJson.value(spec.dir().toUri().toString()))
        .append(",\"key_column\":").append(ValueJson.value(spec.keyColumn())).append(",\"columns\":[],\"keys\":[");
    for (int i = 0; i < keys.size(); i++) {
      out.append(i == 0 ? "" : ",").append(ValueJson.value(keys.get(i)));
    }
    out.append("],\"expected\":[");
    for (int i = 0; i < keys.size(); i++) {
      out.append(i == 0 ? "[" : ",[").append(String.join(",", ORACLE.rows(spec, keys.get(i), List.of())))
          .append("]");
    }
    return out.append("]}").toString();
  }

  private static boolean hasPython() {
    try {
      Process p = new ProcessBuilder("python3", "--version").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
