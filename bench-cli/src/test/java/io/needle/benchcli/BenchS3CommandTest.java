package io.needle.benchcli;

import static org.assertj.core.api.Assertions.assertThat;

import io.needle.testsupport.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code needle bench --s3} on a tiny table, once, so it does not rot: the run completes (the
 * load driver fails it when any call finds another number of rows than its keys hold, so every
 * present key found its row and no absent key found one), results.json holds the S3 systems of
 * every scenario with every call recorded, the warm run needed no GET, and DuckDB's skip is said.
 */
class BenchS3CommandTest {
  private static final Pattern SYSTEM = Pattern.compile(
      "\\{\"name\": \"([^\"]+)\", \"scenario\": \"([^\"]+)\", \"calls\": (\\d+),");

  @TempDir
  Path tmp;

  @Test
  void benchRunsEveryScenarioAgainstTheLoopbackS3Server() throws Exception {
    CliRun run = CliRun.of(Main::run, "bench", "--s3", "--s3-latency", "5ms", "--rows", "3000", "--files", "2",
        "--workloads", "feature,batch,absent,cold", "--keys", "uniform", "--lookups", "60", "--warmup", "10",
        "--baseline-lookups", "2", "--cold-samples", "1", "--no-redis", "--out", tmp.resolve("out").toString());

    assertThat(run.exit()).as(run.out() + run.err()).isZero();
    Map<String, Long> calls = new LinkedHashMap<>();
    Matcher m = SYSTEM.matcher(Files.readString(tmp.resolve("out/results.json")));
    while (m.find()) {
      calls.put(m.group(2) + " " + m.group(1), Long.parseLong(m.group(3)));
    }
    assertThat(calls).containsExactly(
        Map.entry("feature/uniform Needle S3 (warm)", 60L),
        Map.entry("feature/uniform parquet-java S3 (footer cached)", 2L),
        Map.entry("feature/uniform parquet-java S3 (opened per lookup)", 2L),
        Map.entry("batch/uniform Needle S3 (warm)", 60L),
        Map.entry("absent/uniform Needle S3 (warm)", 60L),
        Map.entry("absent/uniform parquet-java S3 (footer cached)", 2L),
        Map.entry("absent/uniform parquet-java S3 (opened per lookup)", 2L),
        Map.entry("cold/uniform Needle S3 (cold)", 1L));
    assertThat(run.out()).contains("loopback S3 server on http://127.0.0.1:", "s3://needle-bench/table",
        "5 ms before the first byte of every request", "DuckDB baseline skipped with --s3");
    // the page store was filled before each warm run, so none of them went to S3
    assertThat(Pattern.compile("; (\\d+) GETs while measuring").matcher(run.out()).results()
        .map(r -> r.group(1))).containsExactly("0", "0", "0");
  }

  @Test
  void s3RefusesARemoteWorker() {
    CliRun run = CliRun.of(Main::run, "bench", "--s3", "--worker", "127.0.0.1:1", "--table-dir", tmp.toString());
    assertThat(run.exit()).isNotZero();
    assertThat(run.err()).contains("--s3 starts its own worker");
  }
}
