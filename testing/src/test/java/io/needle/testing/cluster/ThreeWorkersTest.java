package io.needle.testing.cluster;

import io.needle.bench.gen.FeatureRow;
import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.client.NeedleClient;
import io.needle.client.Row;
import io.needle.client.Table;
import io.needle.testing.e2e.LeakRecorder;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three real workers on loopback behind one client: a batch spread over many files returns the
 * same rows as a single worker (and as the generator's oracle), and each file version is served,
 * so its pages cached, by one worker only, measured from the workers' own counters.
 */
class ThreeWorkersTest {
  private static final long ROWS = 24_000;
  private static final int FILES = 24;

  @TempDir
  static Path dir;

  static FeatureTable generator;
  static Path tablePath;

  @BeforeAll
  static void generate() throws Exception {
    generator = new FeatureTable(GenOptions.defaults(ROWS, FILES));
    tablePath = dir.resolve("features");
    generator.write(tablePath);
  }

  @AfterAll
  static void leaks() throws Exception {
    LeakRecorder.assertNoLeaks();
  }

  @Test
  void batchOverManyFilesMatchesOneWorkerAndEachFileHasOneOwner() throws Exception {
    List<Object> keys = keys(400, 3);
    Map<Object, List<Row>> single;
    try (Worker alone = Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(dir)).withName("alone"));
         NeedleClient client = NeedleClient.builder().workers(List.of("127.0.0.1:" + alone.address().getPort())).build()) {
      single = table(client).lookupAll(keys, List.of());
    }
    try (InProcessCluster cluster = InProcessCluster.start(3, dir);
         NeedleClient client = cluster.clientBuilder().build()) {
      Table table = table(client);
      for (int round = 0; round < 3; round++) { // the same batch again, from warm caches
        Map<Object, List<Row>> spread = table.lookupAll(keys, List.of());
        assertSameRows(spread, single);
      }
      Map<Object, List<Row>> other = table.lookupAll(keys(300, 5), List.of());
      assertMatchesOracle(other);

      assertThat(client.liveWorkers()).containsExactly("needle-0", "needle-1", "needle-2");
      assertThat(cluster.servedByMoreThanOne()).as("file versions served by two workers").isEmpty();
      Set<String> union = new HashSet<>();
      for (Worker w : cluster.workers) {
        assertThat(w.servedFileVersions()).as("files served by %s", w.name()).isNotEmpty();
        union.addAll(w.servedFileVersions());
      }
      assertThat(union).as("every file was needed by the batch, and served").hasSize(FILES);
    }
  }

  @Test
  void filesThatCannotHoldAKeyAreNotAskedFor() throws Exception {
    try (InProcessCluster cluster = InProcessCluster.start(3, dir);
         NeedleClient client = cluster.clientBuilder().build()) {
      long key = generator.keyAt(generator.firstRow(7) + 3); // a key of file 7 only
      assertThat(table(client).lookup(key, List.of())).hasSize(1);
      Set<String> union = new HashSet<>();
      cluster.workers.forEach(w -> union.addAll(w.servedFileVersions()));
      assertThat(union).hasSize(1);
      assertThat(union.iterator().next()).contains(FeatureTable.fileName(7));
    }
  }

  @Test
  void aClosedWorkersFilesMoveToTheOthersWithoutErrors() throws Exception {
    try (InProcessCluster cluster = InProcessCluster.start(3, dir);
         NeedleClient client = cluster.clientBuilder().breakerOpen(Duration.ofMinutes(1)).build()) {
      Table table = table(client);
      List<Object> keys = keys(200, 9);
      Map<Object, List<Row>> before = table.lookupAll(keys, List.of());
      assertMatchesOracle(before);
      cluster.workers.get(1).close();
      Map<Object, List<Row>> after = table.lookupAll(keys, List.of());
      assertSameRows(after, before);
      assertThat(client.liveWorkers()).containsExactly("needle-0", "needle-2");
      assertThat(client.stats().retries()).isPositive();
    }
  }

  @Test
  void aDrainingWorkerIsRoutedAroundWithoutErrors() throws Exception {
    try (InProcessCluster cluster = InProcessCluster.start(3, dir);
         NeedleClient client = cluster.clientBuilder().breakerOpen(Duration.ofMinutes(1)).build()) {
      Table table = table(client);
      List<Object> keys = keys(200, 13);
      Map<Object, List<Row>> before = table.lookupAll(keys, List.of());
      Worker draining = cluster.workers.get(2);
      assertThat(draining.drain(Duration.ofSeconds(5))).isZero();
      assertThat(draining.draining()).isTrue();
      assertSameRows(table.lookupAll(keys, List.of()), before);
      assertThat(client.liveWorkers()).doesNotContain("needle-2");
    }
  }

  private static Table table(NeedleClient client) {
    return client.table(tablePath.toUri().toString(), FeatureTable.KEY_COLUMN);
  }

  /** Present keys from all over the table, and some absent ones. */
  private static List<Object> keys(int count, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    List<Object> keys = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      long key = generator.keyAt(random.nextLong(ROWS));
      keys.add(i % 5 == 4 ? key + 1 : key);
    }
    return keys;
  }

  static void assertSameRows(Map<Object, List<Row>> actual, Map<Object, List<Row>> expected) {
    assertThat(new ArrayList<>(actual.keySet())).containsExactlyElementsOf(expected.keySet());
    for (Map.Entry<Object, List<Row>> e : expected.entrySet()) {
      assertThat(json(actual.get(e.getKey()))).as("key %s", e.getKey()).isEqualTo(json(e.getValue()));
    }
  }

  static void assertMatchesOracle(Map<Object, List<Row>> result) {
    for (Map.Entry<Object, List<Row>> e : result.entrySet()) {
      long key = (Long) e.getKey();
      if (!generator.contains(key)) {
        assertThat(e.getValue()).as("absent key %d", key).isEmpty();
        continue;
      }
      assertThat(e.getValue()).as("key %d", key).hasSize(1);
      Row row = e.getValue().get(0);
      Map<String, Object> expected = generator.expected(key).asMap();
      for (int i = 0; i < row.size(); i++) {
        assertThat(row.get(i)).as("key %d column %s", key, row.name(i)).isEqualTo(expected.get(row.name(i)));
      }
      assertThat(row.size()).isEqualTo(FeatureRow.COLUMNS.size());
    }
  }

  private static List<String> json(List<Row> rows) {
    return rows.stream().map(Row::toJson).toList();
  }
}
