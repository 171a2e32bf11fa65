package io.needle.testing.cluster;

import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.client.NeedleClient;
import io.needle.client.NeedleException;
import io.needle.client.Table;
import io.needle.testing.e2e.LeakRecorder;
import io.needle.testsupport.Eventually;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A call that ends at its own deadline leaves its worker in routing. With the attempt timeout as
 * long as the call's, a worker that has not answered when the deadline passes (here a proxy
 * drops the lookup; on a loaded machine, the worker's own DEADLINE_EXCEEDED arriving a few ms
 * late) ends that call DEADLINE_EXCEEDED, and nothing more: the worker's breaker must stay
 * closed, or every concurrent call to a sole owner would fail UNAVAILABLE ("no worker left")
 * for a short deadline the caller chose. (This was the cause of an OriginFaultsTest failure in
 * CI.) A silent worker is still found out by an attempt timeout shorter than the call
 * ({@link SlowWorkerTest}) and by the membership's health probes.
 */
class OwnDeadlineTest {
  private static final Duration DEADLINE = Duration.ofSeconds(1);

  @TempDir
  static Path dir;

  static FeatureTable generator;
  static Path tablePath;

  @BeforeAll
  static void generate() throws Exception {
    generator = new FeatureTable(GenOptions.defaults(2_000, 2));
    tablePath = dir.resolve("deadline");
    generator.write(tablePath);
  }

  @AfterAll
  static void leaks() throws Exception {
    LeakRecorder.assertNoLeaks();
  }

  @Test
  void callsEndedByTheirDeadlineLeaveTheWorkerInRouting() throws Exception {
    try (InProcessCluster cluster = InProcessCluster.start(1, dir);
         OverloadProxy proxy = new OverloadProxy(new InetSocketAddress("127.0.0.1",
             cluster.workers.get(0).address().getPort()));
         NeedleClient client = NeedleClient.builder().workers(List.of(proxy.address()))
             .requestTimeout(DEADLINE).attemptTimeout(DEADLINE).membershipRefresh(Duration.ofMinutes(10)).build()) {
      Table table = client.table(tablePath.toUri().toString(), FeatureTable.KEY_COLUMN);
      long first = generator.keyAt(7);
      // The first call (Describe, footers) may miss a 1 s deadline on a loaded machine: retried, bounded.
      Eventually.holds("a first lookup within " + DEADLINE, Duration.ofSeconds(60), () -> answersRight(table, first));
      List<String> live = client.liveWorkers();
      assertThat(live).hasSize(1);

      proxy.silence(true);
      for (int i = 0; i < 2; i++) {
        long key = generator.keyAt(100 + i);
        assertThatThrownBy(() -> table.lookup(key, List.of()))
            .isInstanceOfSatisfying(NeedleException.class,
                e -> assertThat(e.code()).isEqualTo(NeedleException.Code.DEADLINE_EXCEEDED));
        assertThatThrownBy(() -> table.lookupAsync(key, List.of()).join())
            .isInstanceOf(CompletionException.class)
            .cause().isInstanceOfSatisfying(NeedleException.class,
                e -> assertThat(e.code()).isEqualTo(NeedleException.Code.DEADLINE_EXCEEDED));
      }
      assertThat(client.liveWorkers()).as("workers in routing after calls ended by their deadline").isEqualTo(live);

      proxy.silence(false);
      long next = generator.keyAt(1_500);
      Eventually.holds("a lookup after the silence", Duration.ofSeconds(60), () -> answersRight(table, next));
      assertThat(client.stats().retries()).as("calls ended by their deadline are not retried").isZero();
    }
  }

  /** True when the lookup answered the generator's row; false when it missed its deadline. */
  private static boolean answersRight(Table table, long key) {
    try {
      return GeneratorRows.right(generator, key, table.lookup(key, List.of()));
    } catch (NeedleException e) {
      if (e.code() != NeedleException.Code.DEADLINE_EXCEEDED) {
        throw e; // UNAVAILABLE here is the bug this test is about
      }
      return false;
    }
  }
}
