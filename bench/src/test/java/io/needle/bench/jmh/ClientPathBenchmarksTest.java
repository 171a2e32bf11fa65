package io.needle.bench.jmh;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs every {@link ClientPathBenchmarks} benchmark once per memory kind, so none rots: the flat
 * header must agree with protobuf's on the real answer, and the decode must find its key's row.
 */
class ClientPathBenchmarksTest {
  @Test
  void everyStageRunsOnTheRealAnswerFromHeapAndDirectMemory() throws Exception {
    for (String memory : new String[] {"heap", "direct"}) {
      ClientPathBenchmarks b = new ClientPathBenchmarks();
      b.memory = memory;
      b.setUp();
      try {
        assertThat(b.headerFlat().pageCount()).isEqualTo(b.headerProtobuf().getLookup().getPagesCount()).isPositive();
        assertThat(b.headerFlat().planNanos()).isEqualTo(b.headerProtobuf().getLookup().getTimings().getPlanNanos());
        assertThat(b.decode()).as(memory).isEqualTo(1);
      } finally {
        b.tearDown();
      }
    }
  }
}
