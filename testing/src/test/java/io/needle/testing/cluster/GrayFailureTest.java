package io.needle.testing.cluster;

import io.needle.bench.gen.FeatureRow;
import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.client.ClientStats;
import io.needle.client.NeedleClient;
import io.needle.client.NeedleException;
import io.needle.client.Row;
import io.needle.client.Table;
import io.needle.testing.e2e.LeakRecorder;
import io.needle.worker.hooks.TestHooks;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * RELIABILITY.md T19, gray failure: one of five workers 200 ms slow (the worker's lookup-delay
 * test hook), and a worker process paused by SIGSTOP (as a GC pause or a hung host would) for a
 * share of the time. Hedging after the p75 observed without hedging must answer every lookup right, with the extra
 * requests held to the hedge budget; a pause may fail a few lookups (typed, retryable), never a
 * row. Latencies print as {@code T19}
 * lines (reported, not asserted). Outlier ejection (gRFC A50) is not implemented in the client:
 * a slow worker is hedged around, not ejected.
 */
class GrayFailureTest {
  private static final int ROWS = 6_000;
  private static final double HEDGE_BUDGET = 0.05;

  @TempDir
  static Path dir;

  static FeatureTable generator;
  static Path tablePath;

  @BeforeAll
  static void generate() throws Exception {
    generator = new FeatureTable(GenOptions.defaults(ROWS, 20));
    tablePath = dir.resolve("gray");
    generator.write(tablePath);
  }

  @AfterAll
  static void leaks() throws Exception {
    LeakRecorder.assertNoLeaks();
  }

  @Test
  void hedgingAroundASlowWorkerStaysInsideItsBudget() throws Exception {
    slowWorker(300);
  }

  @Test
  @Tag("soak")
  void hedgingAroundASlowWorkerOverManyLookups() throws Exception {
    slowWorker(5_000);
  }

  private static void slowWorker(int lookups) throws Exception {
    try (InProcessCluster cluster = InProcessCluster.start(5, dir,
        name -> name.equals("needle-1") ? TestHooks.lookupDelay(Duration.ofMillis(200)) : TestHooks.NONE)) {
      Result off;
      try (NeedleClient client = cluster.clientBuilder().build()) {
        off = run(client, lookups, "hedging off");
      }
      Result on;
      ClientStats stats;
      // Hedge after the p75 measured without hedging: with one worker of five slow, a fifth of the
      // answers are slow and the p95 falls among them (measured: 224 ms), too late for a hedge to
      // win. (The client's own quantile estimate needs 1,024 samples first.)
      Duration p75 = Duration.ofNanos(off.quantileNanos(0.75));
      try (NeedleClient client = cluster.clientBuilder().hedgeAfter(p75).hedgeBudget(HEDGE_BUDGET).build()) {
        on = run(client, lookups, "hedging after p75 (" + p75.toMillis() + " ms)");
        stats = client.stats();
      }
      System.out.printf("T19 slow worker (200 ms, 1 of 5): hedges %d (%.1f%% extra requests), won %d, denied %d%n",
          stats.hedges(), 100.0 * stats.hedges() / lookups, stats.hedgesWon(), stats.hedgesDenied());
      for (Result r : List.of(off, on)) {
        assertThat(r.failures).as("%s: failed lookups", r.name).isEmpty();
        assertThat(r.wrong).as("%s: wrong rows", r.name).isZero();
      }
      assertThat(stats.hedges()).as("hedges sent").isPositive();
      assertThat(stats.hedgesWon()).as("hedges that answered first").isPositive();
      // The budget: 5% of calls, plus its trickle of 1 a second, plus the 10 it starts with.
      assertThat((double) stats.hedges()).as("hedges within the budget")
          .isLessThanOrEqualTo(HEDGE_BUDGET * lookups + on.seconds + 10);
    }
  }

  @Test
  void aWorkerPausedBySigstopCostsFewLookupsAndNoWrongRow() throws Exception {
    pauses(2, 1_000, 3_000);
  }

  @Test
  @Tag("soak")
  void aWorkerPausedTwoSecondsInTenForAMinute() throws Exception {
    pauses(6, 2_000, 8_000);
  }

  private static void pauses(int cycles, long pausedMillis, long runningMillis) throws Exception {
    List<ChildWorker> children = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        children.add(ChildWorker.start(dir, "needle-p" + i, 0));
      }
      List<String> addresses = children.stream().map(c -> "127.0.0.1:" + c.port).toList();
      try (NeedleClient client = NeedleClient.builder().workers(addresses).requestTimeout(Duration.ofSeconds(10))
          .attemptTimeout(Duration.ofSeconds(2)).hedgeAfter(Duration.ofMillis(200)).membershipRefresh(Duration.ofMillis(500))
          .build()) {
        long known = System.nanoTime() + 60_000_000_000L;
        while (client.liveWorkers().size() < 3) { // child JVMs on a loaded machine answer their first probes late
          assertThat(System.nanoTime() - known < 0).as("3 workers up, now %s", client.liveWorkers()).isTrue();
          Thread.sleep(50);
        }
        Table table = client.table(tablePath.toUri().toString(), FeatureTable.KEY_COLUMN);
        SplittableRandom random = new SplittableRandom(19);
        Result r = new Result("SIGSTOP " + pausedMillis + " ms of every " + (pausedMillis + runningMillis) + " ms");
        long start = System.nanoTime();
        ChildWorker paused = children.get(1);
        for (int cycle = 0; cycle < cycles; cycle++) {
          lookUpFor(table, random, r, runningMillis);
          signal("STOP", paused);
          try {
            lookUpFor(table, random, r, pausedMillis);
          } finally {
            signal("CONT", paused);
          }
        }
        lookUpFor(table, random, r, runningMillis);
        r.seconds = (System.nanoTime() - start) / 1e9;
        r.print();
        ClientStats stats = client.stats();
        System.out.printf("T19 pauses: %d lookups, %d failed, %d wrong rows; hedges %d, retries %d%n", r.nanos.size(),
            r.failures.size(), r.wrong, stats.hedges(), stats.retries());
        // Reported, not asserted zero: a lookup whose attempt and whose retry or hedge both meet the
        // pause (or a loaded machine) can still fail, but only with a typed, retryable error.
        assertThat(r.failures).as("failed lookups while a worker pauses").allSatisfy(f ->
            assertThat(f).matches("(DEADLINE_EXCEEDED|UNAVAILABLE): .*"));
        assertThat(r.failures.size()).as("failed lookups").isLessThan(Math.max(1, r.nanos.size() / 20));
        assertThat(r.wrong).as("wrong rows").isZero();
      }
    } finally {
      for (ChildWorker c : children) {
        signal("CONT", c);
        c.close();
      }
    }
  }

  private static void signal(String name, ChildWorker child) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(child.pid())).inheritIO().start();
    assertThat(kill.waitFor()).as("kill -%s %d", name, child.pid()).isZero();
  }

  private static void lookUpFor(Table table, SplittableRandom random, Result r, long millis) {
    long end = System.nanoTime() + millis * 1_000_000;
    while (System.nanoTime() - end < 0) {
      lookUp(table, random, r);
    }
  }

  private static Result run(NeedleClient client, int lookups, String name) {
    Table table = client.table(tablePath.toUri().toString(), FeatureTable.KEY_COLUMN);
    SplittableRandom random = new SplittableRandom(17);
    Result r = new Result(name);
    long start = System.nanoTime();
    for (int i = 0; i < lookups; i++) {
      lookUp(table, random, r);
    }
    r.seconds = (System.nanoTime() - start) / 1e9;
    r.print();
    return r;
  }

  private static void lookUp(Table table, SplittableRandom random, Result r) {
    long key = generator.keyAt(random.nextInt(ROWS));
    long start = System.nanoTime();
    try {
      List<Row> rows = table.lookup(key, List.of());
      r.nanos.add(System.nanoTime() - start);
      if (!right(key, rows)) {
        r.wrong++;
      }
    } catch (NeedleException e) {
      r.failures.add(e.code() + ": " + e.getMessage());
    }
  }

  private static boolean right(long key, List<Row> rows) {
    if (rows.size() != 1) {
      return false;
    }
    FeatureRow want = generator.expected(key);
    for (Map.Entry<String, Object> c : want.asMap().entrySet()) {
      if (!Objects.equals(rows.get(0).get(c.getKey()), c.getValue())) {
        return false;
      }
    }
    return true;
  }

  private static final class Result {
    final String name;
    final List<Long> nanos = new ArrayList<>();
    final List<String> failures = new ArrayList<>();
    int wrong;
    double seconds;

    Result(String name) {
      this.name = name;
    }

    long quantileNanos(double q) {
      List<Long> sorted = new ArrayList<>(nanos);
      Collections.sort(sorted);
      return sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(q * sorted.size()) - 1));
    }

    void print() {
      List<Long> sorted = new ArrayList<>(nanos);
      Collections.sort(sorted);
      System.out.printf("T19 %-40s %5d lookups in %.1f s; p50 %s p99 %s p999 %s ms%n", name, sorted.size(), seconds,
          q(sorted, 0.5), q(sorted, 0.99), q(sorted, 0.999));
    }

    private static String q(List<Long> sorted, double q) {
      if (sorted.isEmpty()) {
        return "-";
      }
      return String.format("%.1f", sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(q * sorted.size()) - 1)) / 1e6);
    }
  }
}
