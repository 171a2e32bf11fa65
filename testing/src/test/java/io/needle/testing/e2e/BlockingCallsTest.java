package io.needle.testing.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.needle.bench.gen.FeatureRow;
import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.client.ClientStats;
import io.needle.client.NeedleClient;
import io.needle.client.Row;
import io.needle.client.Table;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Synchronous lookups made on the caller's thread over a blocking socket: the same rows as the
 * event-loop path (the generator's values are the oracle for both), the path really taken, and a
 * pooled socket left stale by a worker restart replaced without failing the call.
 */
class BlockingCallsTest {
  private static final long ROWS = 20_000;

  @TempDir
  static Path dir;

  static FeatureTable generator;

  @BeforeAll
  static void generate() throws Exception {
    generator = new FeatureTable(GenOptions.defaults(ROWS, 3));
    generator.write(dir);
  }

  @AfterAll
  static void leaks() throws Exception {
    LeakRecorder.assertNoLeaks();
  }

  @Test
  void blockingAndEventLoopCallsGiveTheGeneratorsRows() throws Exception {
    try (Worker worker = Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(dir)))) {
      for (boolean blocking : new boolean[] {true, false}) {
        try (NeedleClient client = NeedleClient.builder().workers(List.of(address(worker))).blockingCalls(blocking)
            .build()) {
          Table table = client.table(dir.toUri().toString(), FeatureTable.KEY_COLUMN);
          for (int i = 0; i < 200; i++) {
            long key = generator.keyAt(i * 97L % ROWS);
            assertRow(table.lookup(key, FeatureRow.COLUMNS), key);
            assertThat(table.lookup(key + 1, FeatureRow.COLUMNS)).as("absent key %d", key + 1).isEmpty();
          }
          Map<Object, List<Row>> batch = table.lookupAll(List.of(generator.keyAt(5), generator.keyAt(19_000)),
              FeatureRow.COLUMNS);
          batch.forEach((k, rows) -> assertRow(rows, (Long) k));
          ClientStats stats = client.stats();
          if (blocking) {
            assertThat(stats.blockingCalls()).as("calls on the caller's thread").isGreaterThanOrEqualTo(400);
            assertThat(stats.blockingFallbacks()).isZero();
          } else {
            assertThat(stats.blockingCalls()).isZero();
          }
        }
      }
    }
  }

  @Test
  void aSocketLeftStaleByAWorkerRestartIsReplacedWithinTheCall() throws Exception {
    WorkerConfig config = WorkerConfig.defaults("127.0.0.1", 0, List.of(dir)).withName("w1");
    Worker first = Worker.start(config);
    int port = first.address().getPort();
    try (NeedleClient client = NeedleClient.builder().workers(List.of("127.0.0.1:" + port))
        .requestTimeout(Duration.ofSeconds(30)).build()) {
      Table table = client.table(dir.toUri().toString(), FeatureTable.KEY_COLUMN);
      long key = generator.keyAt(123);
      assertRow(table.lookup(key, FeatureRow.COLUMNS), key); // leaves an idle blocking socket
      first.close();
      try (Worker second = Worker.start(new WorkerConfig("127.0.0.1", port, config.roots(),
          config.maxRequestFrameBytes(), config.maxResponseBytes(), config.maxKeysPerRequest(),
          config.maxInFlightPerConnection(), config.manifestTtl(), config.metadata(), config.loaderThreads(),
          config.maxOpenFiles(), config.transport(), "w1"))) {
        assertRow(table.lookup(key, FeatureRow.COLUMNS), key);
        assertThat(client.stats().blockingFallbacks()).as("the stale socket was replaced, not fallen back from")
            .isZero();
        assertThat(second.address().getPort()).isEqualTo(port);
      }
    }
  }

  private static void assertRow(List<Row> rows, long key) {
    assertThat(rows).as("key %d", key).hasSize(1);
    Map<String, Object> expected = generator.expected(key).asMap();
    Row row = rows.get(0);
    for (int i = 0; i < row.size(); i++) {
      assertThat(row.get(i)).as("key %d column %s", key, row.name(i)).isEqualTo(expected.get(row.name(i)));
    }
  }

  private static String address(Worker worker) {
    return "127.0.0.1:" + worker.address().getPort();
  }
}
