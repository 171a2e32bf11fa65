package io.needle.bench.cluster;

import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.client.ClientStats;
import io.needle.client.NeedleClient;
import io.needle.client.Table;
import io.needle.worker.RepagingConfig;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import io.needle.worker.WorkerSecurity;
import io.needle.worker.hooks.TestHooks;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * The slow-worker benchmark of issue 5: N workers in this JVM on loopback, one of them slowed by
 * a {@link TestHooks#lookupDelay} test hook, and a closed-loop single-key lookup run per client
 * setting (hedging off, hedging after a fixed delay, hedging after the observed quantile), each
 * printed as p50/p90/p99/max with the client's hedge counters.
 *
 * <p>Run: {@code java -cp <bench classpath> io.needle.bench.cluster.HedgingScenario [workers]
 * [slowDelayMs] [lookupsPerMode] [rows]} (defaults 10, 20, 3000, 50000). With one slow worker of
 * ten, about a tenth of the files answer late: the hedge budget (0.15 here) must cover that
 * share, or the late tail stays; hedging at a quantile below that share's boundary (p90 here)
 * is what "hedge at the observed p95" becomes when one worker in ten is slow.
 */
public final class HedgingScenario {
  private HedgingScenario() {}

  public static void main(String[] args) throws Exception {
    int workers = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    long slowMillis = args.length > 1 ? Long.parseLong(args[1]) : 20;
    int lookups = args.length > 2 ? Integer.parseInt(args[2]) : 3000;
    long rows = args.length > 3 ? Long.parseLong(args[3]) : 50_000;
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    Path dir = Files.createTempDirectory("needle-hedging");
    try {
      FeatureTable table = new FeatureTable(GenOptions.defaults(rows, 40));
      Path tablePath = dir.resolve("features");
      table.write(tablePath);
      List<Worker> fleet = new ArrayList<>();
      try {
        for (int i = 0; i < workers; i++) {
          WorkerConfig config = WorkerConfig.defaults("127.0.0.1", 0, List.of(dir)).withName("needle-" + i);
          TestHooks hooks = i == 0 ? TestHooks.lookupDelay(Duration.ofMillis(slowMillis)) : TestHooks.NONE;
          fleet.add(Worker.start(config, null, null, WorkerSecurity.none(), RepagingConfig.defaults(), hooks));
        }
        List<String> addresses = fleet.stream().map(w -> "127.0.0.1:" + w.address().getPort()).toList();
        out.printf("%d workers, needle-0 delayed by %d ms per lookup; %d single-key lookups per mode, one thread%n",
            workers, slowMillis, lookups);
        out.printf("%-34s %9s %9s %9s %9s   %s%n", "mode", "p50 us", "p90 us", "p99 us", "max us", "client counters");
        run(out, "hedging off", addresses, b -> b, table, tablePath, lookups);
        run(out, "hedge after 2 ms, budget 0.15", addresses, b -> b.hedgeAfter(Duration.ofMillis(2)).hedgeBudget(0.15),
            table, tablePath, lookups);
        run(out, "hedge after observed p90, budget 0.15", addresses, b -> b.hedgeAtQuantile(0.90).hedgeBudget(0.15),
            table, tablePath, lookups);
        run(out, "hedge after 2 ms, default budget 0.1", addresses, b -> b.hedgeAfter(Duration.ofMillis(2)), table,
            tablePath, lookups);
      } finally {
        fleet.forEach(Worker::close);
      }
    } finally {
      deleteTree(dir);
    }
  }

  private static void run(PrintStream out, String mode, List<String> addresses,
      UnaryOperator<NeedleClient.Builder> tune, FeatureTable generator, Path tablePath, int lookups) {
    try (NeedleClient client = tune.apply(NeedleClient.builder().workers(addresses)
        .requestTimeout(Duration.ofSeconds(10))).build()) {
      Table table = client.table(tablePath.toUri().toString(), FeatureTable.KEY_COLUMN);
      SplittableRandom random = new SplittableRandom(42);
      long rows = generator.options().rows();
      List<String> columns = List.of("user_id", "country", "score");
      for (int i = 0; i < 1500; i++) { // warm caches, JIT, and the latency window (1024 samples)
        table.lookup(generator.keyAt(random.nextLong(rows)), columns);
      }
      ClientStats before = client.stats();
      Histogram h = new Histogram(3_600_000_000L, 3);
      for (int i = 0; i < lookups; i++) {
        long key = generator.keyAt(random.nextLong(rows));
        long start = System.nanoTime();
        if (table.lookup(key, columns).size() != 1) {
          throw new IllegalStateException("key " + key + " did not return its row");
        }
        h.recordValue(Math.max(1, (System.nanoTime() - start) / 1000));
      }
      ClientStats after = client.stats();
      out.printf("%-34s %9d %9d %9d %9d   hedges %d (won %d, denied %d) of %d lookups%n", mode,
          h.getValueAtPercentile(50), h.getValueAtPercentile(90), h.getValueAtPercentile(99), h.getMaxValue(),
          after.hedges() - before.hedges(), after.hedgesWon() - before.hedgesWon(),
          after.hedgesDenied() - before.hedgesDenied(), lookups);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
