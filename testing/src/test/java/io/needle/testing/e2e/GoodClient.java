package io.needle.testing.e2e;

import io.needle.bench.gen.FeatureRow;
import io.needle.bench.gen.FeatureTable;
import io.needle.client.NeedleClient;
import io.needle.client.Row;
import io.needle.client.Table;
import io.needle.worker.Worker;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** A well-behaved client that fault tests run beside or after the fault: it must get correct rows. */
final class GoodClient {
  private GoodClient() {}

  /**
   * Twenty lookups of random present keys on a fresh connection, every row checked against the
   * generator, each within a 10 s request timeout.
   */
  static void assertServes(Worker worker, FeatureTable generator, Path table, long rows) {
    // The client's first membership look (a health call bounded by the connect timeout, 3 s by
    // default) is given the request's 10 s too: beside a hostile load on a loaded machine it took
    // longer than 3 s, and the client then knew no worker at all ("no workers known").
    try (NeedleClient client = NeedleClient.builder().workers(List.of("127.0.0.1:" + worker.address().getPort()))
        .connectTimeout(Duration.ofSeconds(10)).requestTimeout(Duration.ofSeconds(10)).build()) {
      Table t = client.table(table.toUri().toString(), FeatureTable.KEY_COLUMN);
      SplittableRandom random = new SplittableRandom(7);
      for (int i = 0; i < 20; i++) {
        long key = generator.keyAt(random.nextLong(rows));
        List<Row> found = t.lookup(key, FeatureRow.COLUMNS);
        assertThat(found).as("key %d", key).hasSize(1);
        Map<String, Object> expected = generator.expected(key).asMap();
        for (int c = 0; c < found.get(0).size(); c++) {
          assertThat(found.get(0).get(c)).as("key %d column %s", key, found.get(0).name(c))
              .isEqualTo(expected.get(found.get(0).name(c)));
        }
      }
    }
  }
}
