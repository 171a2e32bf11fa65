package io.needle.testing.http;

import io.needle.bench.gen.RagTable;
import io.needle.testing.MatrixTables;
import io.needle.testing.ParquetOracle;
import io.needle.testing.TableSpec;
import io.needle.testing.ValueJson;
import io.needle.worker.Worker;
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
      Path clientDir = Path.of(System.getProperty("user.dir")).resolve("../clients/python").normalize();
      ProcessBuilder pb = new ProcessBuilder("python3", "-m", "unittest", "discover", "-s", "tests", "-t", ".", "-v")
          .directory(clientDir.toFile()).redirectErrorStream(true);
      pb.environment().put("NEEDLE_URL", "http://127.0.0.1:" + http.address().getPort());
      pb.environment().put("NEEDLE_CASES", casesFile.toString());
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
      assertThat(text).as(text).contains("Ran 7 tests").doesNotContain("skipped");
    }
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
