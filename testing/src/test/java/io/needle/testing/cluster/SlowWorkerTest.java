package io.needle.testing.cluster;

import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.client.ClientStats;
import io.needle.client.NeedleClient;
import io.needle.client.Row;
import io.needle.client.Table;
import io.needle.testing.e2e.LeakRecorder;
import io.needle.testsupport.Eventually;
import io.needle.worker.Worker;
import io.needle.worker.hooks.TestHooks;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One worker slowed by the test hook: hedges and attempt timeouts route around it, with correct
 * rows and the budget respected. Counts are asserted, never durations; the latency effect is
 * measured by the bench scenario (io.needle.bench.cluster.HedgingScenario).
 */
class SlowWorkerTest {
  private static final long ROWS = 6_000;
  private static final int FILES = 12;

  @TempDir
  static Path dir;

  static FeatureTable generator;
  static Path tablePath;
  /**
   * For the cases that need the slow worker to own files: file ownership hashes each file's version, which changes with every
   * generation, and with 48 files the slow worker owns some in every run ((2/3)^48 that it owns
   * none; with 12 it was ~0.8%).
   */
  static FeatureTable manyFiles;
  static Path manyFilesPath;

  @BeforeAll
  static void generate() throws Exception {
    generator = new FeatureTable(GenOptions.defaults(ROWS, FILES));
    tablePath = dir.resolve("features");
    generator.write(tablePath);
    manyFiles = new FeatureTable(GenOptions.defaults(ROWS, 48));
    manyFilesPath = dir.resolve("many-files");
    manyFiles.write(manyFilesPath);
  }

  @AfterAll
  static void leaks() throws Exception {
    LeakRecorder.assertNoLeaks();
  }

  private static InProcessCluster slowSecond(Duration delay) throws Exception {
    return InProcessCluster.start(3, dir, name -> name.equals("needle-1") ? TestHooks.lookupDelay(delay) : TestHooks.NONE);
  }

  /**
   * A client whose breakers, not its membership refresh, decide who is live during the test: a
   * refresh finds the slow worker's health fine and closes its breaker again, so with the
   * attempt timeout above a test outlasts the default 5 s refresh. The first look at the
   * membership gets 10 s per health call instead of 3 on a loaded machine, so it finds all three.
   */
  private static NeedleClient failingOverClient(InProcessCluster cluster) {
    return cluster.clientBuilder().requestTimeout(Duration.ofMinutes(2)).attemptTimeout(ATTEMPT_TIMEOUT)
        .breakerOpen(Duration.ofMinutes(10)).connectTimeout(Duration.ofSeconds(10))
        .membershipRefresh(Duration.ofMinutes(10)).build();
  }

  /** One key per file, so that every worker owns some of the lookups. */
  private static List<Long> oneKeyPerFile() {
    return oneKeyPerFile(generator);
  }

  private static List<Long> oneKeyPerFile(FeatureTable table) {
    List<Long> keys = new ArrayList<>();
    for (int f = 0; f < table.options().files(); f++) {
      keys.add(table.keyAt(table.firstRow(f) + 1));
    }
    return keys;
  }

  /**
   * An attempt timeout that a healthy worker meets even on a loaded 2-core machine (at a load of
   * 45 one took more than 5 s), and the slow worker's delay far beyond it: a healthy worker that
   * timed out would open its breaker and leave {@code liveWorkers}.
   */
  private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(20);
  private static final Duration NEVER_ANSWERS = Duration.ofMinutes(10);

  @Test
  void hedgesAnswerForASlowWorkerAndTheFirstAnswerWins() throws Exception {
    // The delay is far beyond what a hedge to a healthy worker takes under load, so that hedges
    // win, and below the default attempt timeout (half the request timeout), so that a call
    // whose hedge was denied waits for the slow answer instead of retrying.
    try (InProcessCluster cluster = slowSecond(Duration.ofSeconds(10));
         NeedleClient client = cluster.clientBuilder().hedgeAfter(Duration.ofMillis(20)).hedgeBudget(1.0).build()) {
      Table table = client.table(manyFilesPath.toUri().toString(), FeatureTable.KEY_COLUMN);
      for (long key : oneKeyPerFile(manyFiles)) {
        List<Row> rows = table.lookup(key, List.of("user_id", "country"));
        assertThat(rows).as("key %d", key).hasSize(1);
        assertThat(rows.get(0).get(0)).isEqualTo(key);
        assertThat(rows.get(0).get(1)).isEqualTo(manyFiles.expected(key).asMap().get("country"));
      }
      ClientStats stats = client.stats();
      assertThat(stats.hedges()).as("hedges sent").isPositive();
      assertThat(stats.hedgesWon()).as("hedges that answered first").isPositive();
      assertThat(stats.retries()).as("a slow worker is not a failed one").isZero();
      Worker slow = cluster.workers.get(1);
      assertThat(slow.name()).isEqualTo("needle-1");
    }
  }

  @Test
  void theHedgeBudgetCapsHedges() throws Exception {
    try (InProcessCluster cluster = slowSecond(Duration.ofMillis(100));
         NeedleClient client = cluster.clientBuilder().hedgeAfter(Duration.ZERO).hedgeBudget(0.0).build()) {
      Table table = client.table(tablePath.toUri().toString(), FeatureTable.KEY_COLUMN);
      // A zero ratio leaves the initial burst of 10 tokens and a trickle of 1 per second, so the
      // budget allows at most 10 + (seconds since the client was built) hedges. Calls go on
      // (at least three rounds) until they outnumber that many with room to spare, whatever the
      // machine's speed; bounded, so a machine too slow to outrun the trickle fails here.
      long built = System.nanoTime();
      long giveUp = built + Duration.ofMinutes(2).toNanos();
      int calls = 0;
      for (int round = 0; round < 3 || calls <= 10 + (System.nanoTime() - built) / 1_000_000_000L + 5; round++) {
        assertThat(System.nanoTime() - giveUp).as("calls outrunning the budget's trickle").isNegative();
        for (long key : oneKeyPerFile()) {
          assertThat(table.lookup(key, List.of("user_id"))).hasSize(1);
          calls++;
        }
      }
      ClientStats stats = client.stats();
      assertThat(stats.hedges()).as("hedges of %d calls", calls).isLessThan(calls);
      assertThat(stats.hedgesDenied()).isPositive();
    }
  }

  @Test
  void anAttemptTimeoutFailsOverFromAWorkerThatDoesNotAnswer() throws Exception {
    try (InProcessCluster cluster = slowSecond(NEVER_ANSWERS);
         NeedleClient client = failingOverClient(cluster)) {
      Members.awaitCount(client, 3);
      Table table = client.table(manyFilesPath.toUri().toString(), FeatureTable.KEY_COLUMN);
      List<Object> keys = new ArrayList<>(oneKeyPerFile(manyFiles));
      Map<Object, List<Row>> result = table.lookupAll(keys, List.of("user_id"));
      for (Object k : keys) {
        assertThat(result.get(k)).as("key %s", k).hasSize(1);
        assertThat(result.get(k).get(0).get(0)).isEqualTo(k);
      }
      assertThat(client.stats().retries()).isPositive();
      assertThat(client.liveWorkers()).containsExactly("needle-0", "needle-2");
    }
  }

  @Test
  void aBlockingCallEndsItsAttemptAtTheAttemptTimeoutAndFailsOver() throws Exception {
    try (InProcessCluster cluster = slowSecond(NEVER_ANSWERS);
         NeedleClient client = failingOverClient(cluster)) {
      Members.awaitCount(client, 3);
      Table table = client.table(manyFilesPath.toUri().toString(), FeatureTable.KEY_COLUMN);
      for (long key : oneKeyPerFile(manyFiles)) { // one key per call: each to its file's owner, blocking
        List<Row> rows = table.lookup(key, List.of("user_id"));
        assertThat(rows).as("key %d", key).hasSize(1);
        assertThat(rows.get(0).get(0)).isEqualTo(key);
      }
      ClientStats stats = client.stats();
      assertThat(stats.blockingCalls()).as("calls made on the caller's thread").isPositive();
      assertThat(stats.blockingFallbacks()).as("blocking calls to the slow worker that failed over").isPositive();
      assertThat(client.liveWorkers()).containsExactly("needle-0", "needle-2");
    }
  }
}
