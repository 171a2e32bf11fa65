package io.needle.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.needle.bench.gen.Layout;
import io.needle.bench.harness.KeyDistribution;
import io.needle.bench.harness.LoadPlan;
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
 * Runs the layout bench once on one small layout, so it does not rot: the table is written, its
 * gen-layout rewrite is measured beside it in every scenario, the first touch from S3 counts what
 * the worker read, every answer's row count is checked by the driver, and the summary names the
 * layout. No Redis, parquet-java or DuckDB (their runs are the plain --table bench's).
 */
class LayoutBenchTest {
  @TempDir
  Path tmp;

  @Test
  void measuresALayoutBesideItsGenLayoutRewriteAndItsFirstTouch() throws Exception {
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    List<BenchOptions> runs = new java.util.ArrayList<>();
    String summary = LayoutBench.run(List.of(Layout.PARQUET_JAVA_SNAPPY), 300, tmp.resolve("tables"),
        tmp.resolve("out"), (table, genDir, outDir) -> {
          BenchOptions o = new BenchOptions(300, 1, null, null, List.of(Workload.FEATURE, Workload.ABSENT,
              Workload.COLD), List.of(KeyDistribution.UNIFORM), new LoadPlan(1, 30, Duration.ofSeconds(2), 0), 5,
              1, Duration.ofSeconds(5), 1, false, false, false, outDir, 3, table, genDir, true);
          runs.add(o);
          return o;
        }, "test", new PrintStream(text, true, StandardCharsets.UTF_8));

    assertThat(runs).hasSize(1);
    assertThat(Files.list(tmp.resolve("tables/parquet-java-snappy")).filter(p -> p.toString().endsWith(".parquet")))
        .hasSize(Layout.PARQUET_JAVA_SNAPPY.files());
    // The rewrite (needle prepare) cuts files by size, not by the source's count: it must hold the same rows.
    assertThat(rows(tmp.resolve("tables/parquet-java-snappy-gen-layout")))
        .isEqualTo(rows(tmp.resolve("tables/parquet-java-snappy"))).isPositive();
    String json = Files.readString(tmp.resolve("out/parquet-java-snappy/results.json"));
    assertThat(json).contains("\"Needle (gen layout)\"", "\"Needle S3 (first touch)\"", "\"source_bytes_per_call\"");
    assertThat(summary).contains("parquet-java-snappy", "vs gen");
    assertThat(tmp.resolve("out/layouts.txt")).content().isEqualTo(summary);
    assertThat(text.toString(StandardCharsets.UTF_8)).contains("Needle S3 (first touch) read from the source per call");
  }

  /** Rows of the table's files, from parquet-java's reading of their footers. */
  private static long rows(Path dir) throws Exception {
    long rows = 0;
    try (var files = Files.list(dir)) {
      for (Path p : files.filter(f -> f.toString().endsWith(".parquet")).toList()) {
        try (var reader = io.needle.bench.baseline.ParquetReadOptionsFactory.open(p)) {
          rows += reader.getRecordCount();
        }
      }
    }
    return rows;
  }
}
