package io.needle.testing.s3;

import io.needle.bench.gen.FeatureRow;
import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.client.NeedleClient;
import io.needle.client.NeedleException;
import io.needle.client.Row;
import io.needle.client.Table;
import io.needle.pagestore.EvictionPolicy;
import io.needle.pagestore.PageStoreConfig;
import io.needle.worker.RepagingConfig;
import io.needle.worker.S3Config;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * RELIABILITY.md T10 (origin errors, throttling and stalls) and the S3 half of T17 (a request's
 * deadline ends its S3 call and the call's retries). A real worker and client; S3Proxy behind
 * {@link FaultyProxy}, which injects the faults by chance per HTTP request. Every row returned is
 * checked against the generator; every failure must be a typed UNAVAILABLE marked as the
 * source's, never a wrong row, an INTERNAL or a hang.
 *
 * <p>Counts: "logical fetches" are the worker's ranged GETs ({@link Worker#s3GetRequests}); "attempts"
 * are the GETs that reached the proxy, retries included. Figures are printed as {@code T10 ...}
 * lines for docs/RELIABILITY.md.
 */
class OriginFaultsTest {
  private static final String TABLE = "s3://" + S3Fixture.BUCKET + "/origin";
  private static final int RETRIES = S3Config.DEFAULT_MAX_RETRIES;
  private static final int ROWS = 20_000;
  private static final AtomicInteger caches = new AtomicInteger();

  @TempDir
  static Path dir;

  static S3Fixture s3;
  static FeatureTable table;

  @BeforeAll
  static void setUp() throws Exception {
    s3 = S3Fixture.start();
    table = new FeatureTable(GenOptions.defaults(ROWS, 2));
    for (Path f : table.write(dir.resolve("origin"))) {
      s3.put("origin/" + f.getFileName(), f);
    }
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (s3 != null) {
      s3.close();
    }
  }

  /** Phases as in T10, each a bounded number of lookups (default) or seconds (soak). */
  @Test
  void throttlingErrorsResetsStallsAndAnOutageEndInRowsOrTypedErrors() throws Exception {
    phases(false);
  }

  @Test
  @Tag("soak")
  void throttlingErrorsResetsStallsAndAnOutageOverMinutes() throws Exception {
    phases(true);
  }

  private static void phases(boolean soak) throws Exception {
    // Attempt timeout 1 s: a stalled attempt is cut after 1 s and retried; the call gets 8 s.
    try (Worker worker = worker(Duration.ofSeconds(1), Duration.ofSeconds(8));
         NeedleClient client = client(worker, Duration.ofSeconds(30))) {
      Table t = client.table(TABLE, FeatureTable.KEY_COLUMN);
      Keys keys = new Keys(11);
      run(t, worker, keys, 10, 0, "warm-up"); // listing and metadata in, before any fault
      s3.proxy.chances(new FaultyProxy.Chances(0.30, 0.05, 0, 0, 0));
      Phase throttled = run(t, worker, keys, soak ? Integer.MAX_VALUE : 100, soak ? 60 : 0, "30% 503 SlowDown + 5% 500");
      s3.proxy.chances(new FaultyProxy.Chances(0, 0, 0.20, 0, 0));
      Phase resets = run(t, worker, keys, soak ? Integer.MAX_VALUE : 50, soak ? 20 : 0, "20% connection resets");
      long stallMillis = soak ? 10_000 : 4_000;
      long stallsBefore = s3.proxy.injectedByChance()[3];
      long abandonedBefore = s3.proxy.stallsAbandoned();
      s3.proxy.chances(new FaultyProxy.Chances(0, 0, 0, soak ? 0.02 : 0.05, stallMillis));
      Phase stalls = run(t, worker, keys, soak ? Integer.MAX_VALUE : 50, soak ? 30 : 0, "stalls of " + stallMillis + " ms");
      s3.proxy.chances(new FaultyProxy.Chances(1.0, 0, 0, 0, 0));
      Phase outage = run(t, worker, keys, soak ? Integer.MAX_VALUE : 12, soak ? 20 : 0, "100% 503 SlowDown");
      s3.proxy.chances(FaultyProxy.Chances.NONE);
      Phase after = run(t, worker, keys, 20, 0, "after");

      for (Phase p : List.of(throttled, resets, stalls, outage, after)) {
        assertThat(p.wrongRows).as("%s: wrong rows", p.name).isZero();
        assertThat(p.otherErrors).as("%s: errors other than UNAVAILABLE from the source", p.name).isEmpty();
        // Retries are bounded: never more attempts per logical fetch than the retry policy allows.
        assertThat(p.attempts).as("%s: attempts", p.name).isLessThanOrEqualTo(p.fetches * (RETRIES + 1));
      }
      assertThat(throttled.ok).as("most lookups survive 35%% failures through retries").isGreaterThan(throttled.lookups / 2);
      assertThat(resets.ok).as("resets are retried").isGreaterThan(resets.lookups / 2);
      // In a full outage only lookups whose pages are all in the page store succeed; every other
      // one ends in a typed UNAVAILABLE from the source.
      assertThat(outage.unavailable).as("lookups that needed S3 in the outage").isPositive();
      assertThat(outage.ok + outage.unavailable).as("rows or UNAVAILABLE").isEqualTo(outage.lookups);
      assertThat(after.ok).as("recovered once the origin is back").isEqualTo(after.lookups);
      // Every stalled attempt was cut by the worker (its attempt timeout), none waited out.
      long stalled = s3.proxy.injectedByChance()[3] - stallsBefore;
      assertThat(stalled).as("stalls injected").isPositive();
      awaitAbandoned(abandonedBefore + stalled, stallMillis * 3);
      assertThat(s3.proxy.stallsAbandoned() - abandonedBefore).as("stalled attempts the worker gave up on").isEqualTo(stalled);
      System.out.printf("T10 peak threads %d, Netty direct memory %d KiB, stalls injected %d, cut %d%n",
          ManagementFactory.getThreadMXBean().getPeakThreadCount(),
          io.netty.util.internal.PlatformDependent.usedDirectMemory() >> 10, stalled,
          s3.proxy.stallsAbandoned() - abandonedBefore);
    }
  }

  /**
   * T17 on S3: with every S3 request stalled and attempt and call timeouts far longer (60 s and
   * 120 s), a lookup with a 400 ms deadline ends DEADLINE_EXCEEDED; the worker closes its S3
   * connection when the deadline passes (the call and its retries end there, not at the call
   * timeout), starts no retry, and lookups after the deadline start no GET at all.
   */
  @Test
  void aRequestsDeadlineEndsItsS3CallAndItsRetries() throws Exception {
    try (Worker worker = worker(Duration.ofSeconds(60), Duration.ofSeconds(120));
         NeedleClient warm = client(worker, Duration.ofSeconds(30));
         NeedleClient hurried = NeedleClient.builder().workers(List.of("127.0.0.1:" + worker.address().getPort()))
             .requestTimeout(Duration.ofMillis(400)).attemptTimeout(Duration.ofMillis(400)).build()) {
      Keys keys = new Keys(23);
      run(warm.table(TABLE, FeatureTable.KEY_COLUMN), worker, keys, 10, 0, "warm-up");
      Table t = hurried.table(TABLE, FeatureTable.KEY_COLUMN);
      long abandonedBefore = s3.proxy.stallsAbandoned();
      long stallsBefore = s3.proxy.injectedByChance()[3];
      s3.proxy.chances(new FaultyProxy.Chances(0, 0, 0, 1.0, 300_000));
      Phase stalled;
      try {
        stalled = run(t, worker, keys, 8, 0, "all stalled, 400 ms deadline");
        long injected = s3.proxy.injectedByChance()[3] - stallsBefore;
        // The attempt timeout (60 s) would end these calls at the earliest 60 s from now; the
        // deadline ends them at once. Half that is the bound of the wait, not a latency figure.
        awaitAbandoned(abandonedBefore + injected, 30_000);
        // Lookups whose pages are all in the store answer; the others end at their deadline.
        assertThat(stalled.codes).as("codes").containsOnlyKeys(NeedleException.Code.DEADLINE_EXCEEDED);
        assertThat(stalled.ok + stalled.codes.get(NeedleException.Code.DEADLINE_EXCEEDED)).isEqualTo(stalled.lookups);
        assertThat(injected).as("GETs that reached S3").isPositive();
        assertThat(s3.proxy.stallsAbandoned() - abandonedBefore).as("stalled GETs closed by the worker at the deadline")
            .isEqualTo(injected);
        assertThat(stalled.attempts).as("no retry after the deadline: one attempt per logical fetch").isEqualTo(stalled.fetches);
        System.out.printf("T17-S3 %d lookups, %d GETs stalled, all closed by the worker at their deadline%n",
            stalled.lookups, injected);
      } finally {
        s3.proxy.chances(FaultyProxy.Chances.NONE);
      }
      assertThat(run(warm.table(TABLE, FeatureTable.KEY_COLUMN), worker, keys, 20, 0, "after").ok).isEqualTo(20);
    }
  }

  private static void awaitAbandoned(long target, long boundMillis) throws InterruptedException {
    long end = System.nanoTime() + boundMillis * 1_000_000;
    while (s3.proxy.stallsAbandoned() < target && System.nanoTime() - end < 0) {
      Thread.sleep(10);
    }
  }

  /** Keys in a shuffled order, so that each lookup tends to need pages not yet stored. */
  private static final class Keys {
    private final List<Integer> rows = new ArrayList<>();
    private final AtomicInteger next = new AtomicInteger();

    Keys(long seed) {
      for (int i = 0; i < ROWS; i++) {
        rows.add(i);
      }
      Collections.shuffle(rows, new Random(seed));
    }

    long next() {
      return table.keyAt(rows.get(next.getAndIncrement() % rows.size()));
    }
  }

  /** One phase's outcome. */
  private static final class Phase {
    final String name;
    int lookups;
    int ok;
    int unavailable;
    long wrongRows;
    long fetches;
    long attempts;
    final Map<NeedleException.Code, Integer> codes = new EnumMap<>(NeedleException.Code.class);
    final List<String> otherErrors = new ArrayList<>();
    String firstFailure;
    final List<Long> okNanos = new ArrayList<>();
    final List<Long> failNanos = new ArrayList<>();

    Phase(String name) {
      this.name = name;
    }
  }

  /** Lookups from 4 threads until {@code count} or {@code seconds} (when positive) run out. */
  private static Phase run(Table t, Worker worker, Keys keys, int count, int seconds, String name) throws Exception {
    Phase p = new Phase(name);
    long fetchesBefore = worker.s3GetRequests();
    int attemptsBefore = s3.proxy.requestCount();
    long end = seconds > 0 ? System.nanoTime() + seconds * 1_000_000_000L : Long.MAX_VALUE;
    AtomicInteger started = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int th = 0; th < 4; th++) {
        futures.add(pool.submit(() -> {
          while (started.getAndIncrement() < count && (seconds <= 0 || System.nanoTime() - end < 0)) {
            long key = keys.next();
            long start = System.nanoTime();
            try {
              List<Row> rows = t.lookup(key, List.of());
              long took = System.nanoTime() - start;
              synchronized (p) {
                p.lookups++;
                p.okNanos.add(took);
                if (rows.size() != 1 || !matches(key, rows.get(0))) {
                  p.wrongRows++;
                } else {
                  p.ok++;
                }
              }
            } catch (NeedleException e) {
              long took = System.nanoTime() - start;
              synchronized (p) {
                p.lookups++;
                p.failNanos.add(took);
                p.codes.merge(e.code(), 1, Integer::sum);
                if (p.firstFailure == null) {
                  p.firstFailure = e.getMessage();
                }
                if (e.code() == NeedleException.Code.UNAVAILABLE && e.isSourceFailure()) {
                  p.unavailable++;
                } else if (e.code() != NeedleException.Code.DEADLINE_EXCEEDED) {
                  p.otherErrors.add(e.code() + ": " + e.getMessage());
                }
              }
            }
          }
          return null;
        }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    p.fetches = worker.s3GetRequests() - fetchesBefore;
    p.attempts = s3.proxy.requests().subList(attemptsBefore, s3.proxy.requestCount()).stream()
        .filter(r -> r.startsWith("GET /" + S3Fixture.BUCKET + "/origin/") && r.contains("Range:")).count();
    System.out.printf("T10 phase %-28s lookups %5d ok %5d (%.2f%%) unavailable %4d other %s; fetches %5d attempts %5d"
            + " (%.2f per fetch); ok p50/p99 %s/%s ms; failed p50/max %s/%s ms%n",
        name, p.lookups, p.ok, 100.0 * p.ok / Math.max(1, p.lookups), p.unavailable, p.codes, p.fetches, p.attempts,
        p.attempts / (double) Math.max(1, p.fetches), ms(p.okNanos, 0.5), ms(p.okNanos, 0.99), ms(p.failNanos, 0.5),
        ms(p.failNanos, 1.0));
    if (p.firstFailure != null) {
      System.out.printf("T10 phase %-28s first failure: %s%n", name, p.firstFailure);
    }
    return p;
  }

  private static String ms(List<Long> nanos, double q) {
    if (nanos.isEmpty()) {
      return "-";
    }
    List<Long> sorted = new ArrayList<>(nanos);
    Collections.sort(sorted);
    return String.valueOf(sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(q * sorted.size()) - 1)) / 1_000_000);
  }

  private static boolean matches(long key, Row row) {
    FeatureRow want = table.expected(key);
    for (Map.Entry<String, Object> column : want.asMap().entrySet()) {
      if (!java.util.Objects.equals(row.get(column.getKey()), column.getValue())) {
        return false;
      }
    }
    return true;
  }

  private static Worker worker(Duration attempt, Duration call) throws Exception {
    Path cache = dir.resolve("cache-" + caches.incrementAndGet());
    Files.createDirectories(cache);
    // A store of 3 regions of 256 KiB: pages are evicted soon, so lookups keep reading from S3.
    PageStoreConfig store = new PageStoreConfig(cache, 768L << 10, 256 << 10, EvictionPolicy.LRU, false, 8192, "test", true, false);
    S3Config s3Config = S3Config.defaults(List.of(URI.create("s3://" + S3Fixture.BUCKET + "/")), "us-east-1")
        .withEndpoint(s3.endpoint(), true)
        .withStaticCredentials(S3Fixture.ACCESS_KEY, S3Fixture.SECRET_KEY)
        .withTimeouts(Duration.ofSeconds(2), attempt, call, RETRIES);
    WorkerConfig config = WorkerConfig.defaults("127.0.0.1", 0, List.of(dir)).withManifestTtl(Duration.ofMinutes(10));
    return Worker.start(config, store, s3Config, RepagingConfig.defaults().withEnabled(false));
  }

  private static NeedleClient client(Worker worker, Duration timeout) {
    return NeedleClient.builder().workers(List.of("127.0.0.1:" + worker.address().getPort())).requestTimeout(timeout).build();
  }
}
