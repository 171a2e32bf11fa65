package io.needle.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.needle.bench.harness.KeyDistribution;
import io.needle.bench.harness.LoadPlan;
import io.needle.bench.harness.Report;
import io.needle.bench.harness.SystemResult;
import io.needle.bench.harness.Workload;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the whole harness once on a tiny table, so it does not rot: every scenario measured for
 * Needle and parquet-java, every answer's row count checked by the driver against the generator
 * (a wrong answer fails the run), results.json and the plots written. No Redis or DuckDB.
 */
class BenchSmokeTest {
  /** The transport floor's row, after Needle's in every one-key scenario of a generated table. */
  private static final String FLOOR = "Transport floor (Netty "
      + (io.netty.channel.epoll.Epoll.isAvailable() ? "epoll" : "nio") + " echo)";

  @TempDir
  Path tmp;

  @Test
  void tlsCostMeasuresEveryPathOnce() throws Exception {
    io.needle.bench.harness.TlsCost.Result result = io.needle.bench.harness.TlsCost.run(2_000, 50, 1);
    List<io.needle.bench.harness.TlsCost.PathCost> costs = result.lookups();
    String tls = io.netty.handler.ssl.OpenSsl.isAvailable() ? "TLS (BoringSSL)" : "TLS (JDK)";
    List<String> paths = new java.util.ArrayList<>();
    for (String mode : List.of("blocking", "event loop")) {
      paths.addAll(List.of("plaintext, " + mode, tls + ", " + mode, tls + " + token, " + mode));
      if (io.netty.handler.ssl.OpenSsl.isAvailable()) {
        paths.add("TLS (JDK), " + mode);
      }
    }
    assertThat(costs).extracting(io.needle.bench.harness.TlsCost.PathCost::path).containsExactlyElementsOf(paths);
    assertThat(costs).allSatisfy(c -> assertThat(c.medianMicros()).isPositive());
    assertThat(result.handshakes()).isNotEmpty().allSatisfy(c -> assertThat(c.medianMicros()).isPositive());
    assertThat(result.ratio("plaintext, blocking")).isEqualTo(1.0);
  }

  @Test
  void benchRunsEveryScenarioAndWritesResults() throws Exception {
    BenchOptions options = new BenchOptions(2_000, 2, tmp.resolve("table"), null,
        List.of(Workload.FEATURE, Workload.BATCH, Workload.ABSENT, Workload.COLD),
        List.of(KeyDistribution.UNIFORM, KeyDistribution.ZIPF),
        new LoadPlan(1, 200, Duration.ofSeconds(20), 0), 50, 3, Duration.ofSeconds(10), 2,
        false, false, true, tmp.resolve("out"), 1);
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    Report report = BenchRunner.run(options, "test", new PrintStream(text, true, StandardCharsets.UTF_8));

    assertThat(report.byScenario().keySet()).containsExactly(
        "feature/uniform", "feature/zipf", "batch/uniform", "absent/uniform", "absent/zipf", "cold/uniform");
    SystemResult needle = report.byScenario().get("feature/uniform").get(0);
    assertThat(needle.system()).isEqualTo("Needle");
    assertThat(needle.stats().lookups()).isEqualTo(200);
    // One page of each of 12 columns at least crosses the wire, and less than a whole 2000-row file.
    assertThat(needle.wireBytesPerCall()).isGreaterThan(12 * 100).isLessThan(Files.size(tmp.resolve("table/part-00000.parquet")));
    assertThat(needle.workerCpuMicrosPerCall()).isPositive();
    assertThat(report.byScenario().get("feature/uniform")).extracting(SystemResult::system)
        .containsExactly("Needle", "Needle embedded", FLOOR, "parquet-java (footer cached)", "parquet-java (opened per lookup)");
    SystemResult floor = report.byScenario().get("feature/uniform").get(2);
    assertThat(floor.stats().lookups()).isEqualTo(200); // every echo carried the bytes of Needle's answers
    assertThat(report.byScenario().get("batch/uniform")).extracting(SystemResult::system)
        .containsExactly("Needle", "Needle embedded");
    SystemResult embedded = report.byScenario().get("feature/uniform").get(1);
    assertThat(embedded.stats().lookups()).isEqualTo(200); // every answer checked to carry its key
    assertThat(embedded.stages().lookups()).isPositive();
    String json = Files.readString(tmp.resolve("out/results.json"));
    assertThat(json).contains("\"systems\"", "\"machine\"", "\"p999_us\"", "parquet-java (opened per lookup)");
    assertThat(tmp.resolve("out/percentiles-feature-uniform.png")).isNotEmptyFile();
    assertThat(text.toString(StandardCharsets.UTF_8)).contains("Needle vs parquet-java (footer cached):");

    // A second run reuses the generated table.
    ByteArrayOutputStream again = new ByteArrayOutputStream();
    BenchRunner.run(new BenchOptions(2_000, 2, tmp.resolve("table"), null, List.of(Workload.ABSENT),
        List.of(KeyDistribution.UNIFORM), new LoadPlan(1, 20, Duration.ofSeconds(5), 0), 0, 1,
        Duration.ofSeconds(5), 1, false, false, false, tmp.resolve("out2"), 2), "test",
        new PrintStream(again, true, StandardCharsets.UTF_8));
    assertThat(again.toString(StandardCharsets.UTF_8)).contains("reusing the 2,000-row table");
  }

  @Test
  void ragBenchFetchesAboutOnePagePerColumnNotWholeChunks() throws Exception {
    BenchOptions options = new BenchOptions(800, 1, tmp.resolve("tables"), null, List.of(Workload.RAG),
        List.of(KeyDistribution.UNIFORM), new LoadPlan(1, 100, Duration.ofSeconds(20), 0), 10, 2,
        Duration.ofSeconds(10), 1, false, false, true, tmp.resolve("rag-out"), 1);
    Report report = BenchRunner.run(options, "test", new PrintStream(new ByteArrayOutputStream(), true,
        StandardCharsets.UTF_8));

    assertThat(report.byScenario().keySet()).containsExactly("rag/uniform");
    assertThat(report.byScenario().get("rag/uniform")).extracting(SystemResult::system)
        .containsExactly("Needle", "Needle embedded", FLOOR, "parquet-java (footer cached)", "parquet-java (opened per lookup)");
    SystemResult needle = report.byScenario().get("rag/uniform").get(0);
    assertThat(needle.stats().lookups()).isEqualTo(100);
    // At least the asked text (1 KiB or more, compressed about in half); at most the eight-row page
    // of each of doc_id, title, text and embedding: 8 x (4 KiB + 1.5 KiB + ~100 B) < 48 KiB before
    // compression. parquet-java's default pages would send the row group.
    assertThat(needle.wireBytesPerCall()).isGreaterThan(512).isLessThan(48 * 1024);
    assertThat(tmp.resolve("tables/_rag/part-00000.parquet")).isNotEmptyFile();
  }
}
