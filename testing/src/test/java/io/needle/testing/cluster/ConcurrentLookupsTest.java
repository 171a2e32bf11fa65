package io.needle.testing.cluster;

import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.client.NeedleClient;
import io.needle.client.Row;
import io.needle.client.Table;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.assertj.core.api.Assertions.assertThat;

/** Several threads share one client and table over three workers: every row is the oracle's. */
class ConcurrentLookupsTest {
  @TempDir
  static Path dir;

  @Test
  void concurrentBatchesAllReturnTheOraclesRows() throws Exception {
    FeatureTable generator = new FeatureTable(GenOptions.defaults(12_000, 12));
    Path tablePath = dir.resolve("features");
    generator.write(tablePath);
    ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    try (InProcessCluster cluster = InProcessCluster.start(3, dir);
         NeedleClient client = cluster.clientBuilder().build()) {
      Table table = client.table(tablePath.toUri().toString(), FeatureTable.KEY_COLUMN);
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int seed = t;
        threads.add(new Thread(() -> {
          SplittableRandom random = new SplittableRandom(seed);
          try {
            for (int i = 0; i < 150; i++) {
              List<Object> keys = new ArrayList<>();
              for (int k = 0; k < 20; k++) {
                long key = generator.keyAt(random.nextLong(12_000));
                keys.add(k % 7 == 6 ? key + 1 : key);
              }
              Map<Object, List<Row>> result = table.lookupAll(keys, List.of("user_id", "country", "score"));
              for (Object k : keys) {
                long key = (Long) k;
                List<Row> rows = result.get(k);
                Map<String, Object> expected = generator.expected(key).asMap();
                boolean ok = generator.contains(key) ? rows.size() == 1 && rows.get(0).get(0).equals(key)
                    && rows.get(0).get(1).equals(expected.get("country")) && rows.get(0).get(2).equals(expected.get("score"))
                    : rows.isEmpty();
                if (!ok) {
                  wrong.add("key " + key + " got " + rows.stream().map(Row::toJson).toList());
                }
              }
            }
          } catch (Throwable e) {
            errors.add(e);
          }
        }));
      }
      threads.forEach(Thread::start);
      for (Thread t : threads) {
        t.join();
      }
    }
    assertThat(errors).isEmpty();
    assertThat(wrong).isEmpty();
  }
}
