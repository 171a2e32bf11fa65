package io.needle.testing.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.needle.bench.gen.FeatureRow;
import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.client.LookupStages;
import io.needle.client.Table;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client's stage clock against the caller's own stopwatch: every decoded lookup is counted
 * once, no stage is negative, the stages that must take time do, and together they never exceed
 * the wall-clock time the caller measured around the same calls.
 */
class LookupStagesTest {
  @TempDir
  static Path dir;

  @AfterAll
  static void leaks() throws Exception {
    LeakRecorder.assertNoLeaks();
  }

  @Test
  void stagesAddUpToNoMoreThanTheCallersClock() throws Exception {
    FeatureTable generator = new FeatureTable(GenOptions.defaults(5_000, 2));
    generator.write(dir);
    try (Loopback loopback = Loopback.serve(dir)) {
      Table table = loopback.table(dir, FeatureTable.KEY_COLUMN);
      table.lookup(generator.keyAt(0), FeatureRow.COLUMNS); // describe and connect first
      LookupStages before = loopback.client.stages();
      int calls = 200;
      long started = System.nanoTime();
      for (int i = 0; i < calls; i++) {
        assertThat(table.lookup(generator.keyAt(i * 17L % 5_000), FeatureRow.COLUMNS)).hasSize(1);
      }
      long wall = System.nanoTime() - started;
      LookupStages stages = loopback.client.stages().minus(before);

      assertThat(stages.lookups()).isEqualTo(calls);
      assertThat(List.of(stages.prepareNanos(), stages.transportNanos(), stages.workerPlanNanos(),
          stages.workerReadNanos(), stages.handoffNanos(), stages.decompressNanos(), stages.decodeNanos()))
          .allSatisfy(n -> assertThat(n).isNotNegative());
      assertThat(stages.transportNanos()).isPositive();
      assertThat(stages.workerPlanNanos()).as("the worker reports its planning time").isPositive();
      assertThat(stages.decompressNanos()).as("SNAPPY pages were decompressed").isPositive();
      assertThat(stages.decodeNanos()).isPositive();
      assertThat(stages.totalNanos()).isLessThanOrEqualTo(wall);
    }
  }
}
