package io.needle.testing.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.needle.client.LookupStages;
import io.needle.client.NeedleClient;
import io.needle.client.Table;
import io.needle.pagestore.EvictionPolicy;
import io.needle.pagestore.PageStoreConfig;
import io.needle.worker.RepagingConfig;
import io.needle.worker.RepagingStats;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trade-off of re-paging, measured (soak: {@code -Dsoak}): {@link RepagingTest}'s tables
 * ({@link RepagingTables}) at 1M rows, with 1 MiB pages: parquet-java's defaults (ZSTD here) and
 * DuckDB's COPY (SNAPPY, one page per chunk).
 * For each table: lookups with re-paging off, then the first-touch re-paging (time, bytes read,
 * bytes stored) and lookups on the re-paged pages with each page codec, printing wire bytes and
 * client decompress and decode time per lookup. Only sanity is asserted (speed is not).
 */
@Tag("soak")
class RepagingBenchmarkTest {
  private static final int ROWS = 1_000_000;
  private static final int LOOKUPS = 300;

  @TempDir
  static Path dir;

  @Test
  void measureRepagingOnMillionRowTables() throws Exception {
    Path pj = Files.createDirectories(dir.resolve("tables/parquet_java_zstd"));
    long started = System.nanoTime();
    RepagingTables.writeParquetJavaDefaults(pj.resolve("part-0.parquet"), ROWS, CompressionCodecName.ZSTD);
    System.out.printf("wrote %s (%d bytes) in %d ms%n", pj, Files.size(pj.resolve("part-0.parquet")),
        (System.nanoTime() - started) / 1_000_000);
    Path duck = Files.createDirectories(dir.resolve("tables/duckdb_snappy"));
    started = System.nanoTime();
    RepagingTables.writeWithDuckDb(duck.resolve("part-0.parquet"), ROWS);
    System.out.printf("wrote %s (%d bytes) in %d ms%n", duck, Files.size(duck.resolve("part-0.parquet")),
        (System.nanoTime() - started) / 1_000_000);
    for (Path table : List.of(pj, duck)) {
      long step = table == pj ? RepagingTables.PARQUET_JAVA_KEY_STEP : RepagingTables.DUCKDB_KEY_STEP;
      measure(table, step, RepagingConfig.disabled(), "file's pages");
      for (RepagingConfig.PageCodec codec : RepagingConfig.PageCodec.values()) {
        measure(table, step, RepagingConfig.defaults().withCodec(codec), "re-paged " + codec);
      }
    }
  }

  /** Row i of {@code table} has key {@code i * step}. */
  private static void measure(Path table, long step, RepagingConfig repaging, String label) throws Exception {
    Path cache = Files.createTempDirectory(dir, "cache");
    PageStoreConfig store = new PageStoreConfig(cache, 4L << 30, 16 << 20, EvictionPolicy.LRU, false, 8192, "bench", true,
        false);
    try (Worker worker = Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(table.getParent())), store, null,
        repaging);
        NeedleClient client = NeedleClient.builder().workers(List.of("127.0.0.1:" + worker.address().getPort()))
            .requestTimeout(Duration.ofSeconds(120)).build()) {
      Table t = client.table(table.toUri().toString(), "id");
      Random random = new Random(42);
      // First touch: one key per 100k rows reaches every row group
      long touchStarted = System.nanoTime();
      for (long row = 0; row < ROWS; row += 100_000) {
        assertThat(t.lookup(row * step, List.of())).hasSize(1);
      }
      worker.repagingIdle().get(30, TimeUnit.MINUTES);
      long touchNanos = System.nanoTime() - touchStarted;
      RepagingStats stats = worker.repagingStats();
      for (int i = 0; i < LOOKUPS; i++) { // warm: JIT, page store
        t.lookup(step * random.nextInt(ROWS), List.of());
      }
      LookupStages before = client.stages();
      long[] latencies = new long[LOOKUPS];
      for (int i = 0; i < LOOKUPS; i++) {
        long key = step * random.nextInt(ROWS);
        long s = System.nanoTime();
        assertThat(t.lookup(key, List.of())).hasSize(1);
        latencies[i] = System.nanoTime() - s;
      }
      LookupStages window = client.stages().minus(before);
      Arrays.sort(latencies);
      long wire = 0;
      int samples = 20;
      try (RawLookup raw = new RawLookup(worker.address())) {
        for (int i = 0; i < samples; i++) {
          wire += raw.lookup(table.toUri().toString(), "id", List.of(), List.of(step * random.nextInt(ROWS))).payloadBytes();
        }
      }
      System.out.printf("%s, %s: first touch %d ms (re-paging %d chunks: %d ms, %d bytes read, %d bytes stored);"
          + " per lookup: %d wire bytes, client decompress %.1f us, decode %.1f us, p50 %.1f us%n",
          table.getFileName(), label, touchNanos / 1_000_000, stats.chunksRepaged(), stats.buildNanos() / 1_000_000,
          stats.sourceBytesRead(), stats.pageBytesStored(), wire / samples, window.meanMicros(window.decompressNanos()),
          window.meanMicros(window.decodeNanos()), latencies[LOOKUPS / 2] / 1000.0);
    }
  }
}
