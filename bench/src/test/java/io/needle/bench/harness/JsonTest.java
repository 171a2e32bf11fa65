package io.needle.bench.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void escapesStringsAndWritesNullForNaN() {
    assertThat(Json.string("a\"b\\c\n\u0001")).isEqualTo("\"a\\\"b\\\\c\\n\\u0001\"");
    assertThat(Json.number(Double.NaN)).isEqualTo("null");
    assertThat(Json.number(42.0)).isEqualTo("42");
    assertThat(Json.number(1.23456)).isEqualTo("1.235");
  }

  @Test
  void resultsJsonCarriesEverySystemWithRatiosAgainstNeedle() {
    Histogram needle = Histograms.newNanos();
    needle.recordValue(100_000); // 100 µs
    Histogram slow = Histograms.newNanos();
    slow.recordValue(100_000_000); // 100 ms
    Report r = new Report(List.of(
        new SystemResult("Needle", "feature/uniform", LatencyStats.of(needle, 1_000_000_000L), needle, 4096, 12.5),
        new SystemResult("DuckDB", "feature/uniform", LatencyStats.of(slow, 1_000_000_000L), slow, Double.NaN,
            Double.NaN)),
        new Machine(2, 1L << 30, "jdk", "linux", "cpu"), "needle bench", List.of("a note"));
    String json = r.json();
    assertThat(json).contains("\"name\": \"Needle\"", "\"p50_us\": 100", "\"throughput\": 1",
        "\"wire_bytes_per_call\": 4096", "\"worker_cpu_us_per_call\": 12.500", "\"name\": \"DuckDB\"",
        "\"wire_bytes_per_call\": null", "\"machine\": {\"cores\": 2");
    // 100 ms / 100 µs = 1000x, within HdrHistogram's 0.1 % buckets.
    assertThat(json).containsPattern("\"needle_p50_speedup\": (999|1000|100[0-1])(\\.\\d+)?");
    assertThat(r.table()).contains("Needle vs DuckDB:");
  }
}
