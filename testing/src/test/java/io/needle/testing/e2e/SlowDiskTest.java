package io.needle.testing.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.needle.bench.gen.FeatureRow;
import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.client.NeedleClient;
import io.needle.client.Row;
import io.needle.client.Table;
import io.needle.pagestore.EvictionPolicy;
import io.needle.pagestore.PageStoreConfig;
import io.needle.pagestore.hooks.ReadStall;
import io.needle.testsupport.Eventually;
import io.needle.worker.RepagingConfig;
import io.needle.worker.StoreReadStats;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import io.needle.worker.WorkerSecurity;
import io.needle.worker.hooks.TestHooks;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RELIABILITY.md T05, a slow local disk: the page store's reads stall (every read of a hit waits
 * the stall, as a page fault on a stalling disk would). Once the first slow read has flagged the
 * store, lookups of stored pages are still answered right, within their deadline, by the origin
 * (here the local Parquet files) where the store does not read in time; two clients on their own
 * connections are served throughout and no event loop is kept from its sockets for anything
 * near the stall (each loop's heartbeat); when the disk is fast again the flag clears and the
 * stored pages are hits again, none lost. Rows are checked against the generator.
 */
class SlowDiskTest {
  private static final int ROWS = 8_000;
  private static final int WARM_KEYS = 200;
  private static final AtomicInteger caches = new AtomicInteger();

  @TempDir
  static Path dir;

  static FeatureTable generator;
  static Path users;

  @BeforeAll
  static void setUp() throws Exception {
    generator = new FeatureTable(GenOptions.defaults(ROWS, 2));
    users = dir.resolve("users");
    generator.write(users);
  }

  @AfterAll
  static void noLeaks() throws Exception {
    LeakRecorder.assertNoLeaks();
  }

  @Test
  void storedPagesAreServedFromTheOriginWhileTheDiskStalls() throws Exception {
    stallAndRecover(Duration.ofSeconds(4), 150);
  }

  @Test
  @Tag("soak")
  void storedPagesAreServedFromTheOriginWhileTheDiskStallsLonger() throws Exception {
    stallAndRecover(Duration.ofSeconds(10), 3_000);
  }

  /**
   * A table whose files get key indexes (parquet-java, unsorted keys, no bloom filter): an index's
   * blocks live only in the store and were read on the event loop, so while the store is flagged
   * lookups are planned from statistics instead and their pages come as above. Oracle: the
   * writer's values, functions of the key ({@link KeyIndexLookupTest#writeParquetJava}).
   */
  @Test
  void anIndexedTableIsPlannedWithoutItsIndexWhileTheDiskStalls() throws Exception {
    Path indexed = java.nio.file.Files.createDirectories(dir.resolve("indexed/ints"));
    for (int f = 0; f < 2; f++) {
      KeyIndexLookupTest.writeParquetJava(indexed.resolve("part-" + f + ".parquet"), f, 0);
    }
    Duration stall = Duration.ofSeconds(4);
    ReadStall disk = new ReadStall();
    PageStoreConfig store = new PageStoreConfig(dir.resolve("cache-" + caches.incrementAndGet()), 64L << 20, 1 << 20,
        EvictionPolicy.LRU, false, 8192, "test", true, false);
    WorkerConfig config = WorkerConfig.defaults("127.0.0.1", 0, List.of(dir)).withManifestTtl(Duration.ofMinutes(10));
    int[] keys = new int[40];
    SplittableRandom random = new SplittableRandom(9);
    for (int i = 0; i < keys.length; i++) {
      keys[i] = 2 * random.nextInt(12_000) + 1; // every odd key below 24,000 is present
    }
    try (Worker worker = Worker.start(config, store, null, WorkerSecurity.none(),
            RepagingConfig.defaults().withEnabled(false), TestHooks.slowStore(disk));
         NeedleClient a = client(worker, Duration.ofSeconds(40));
         NeedleClient b = client(worker, Duration.ofSeconds(40))) {
      Table ta = a.table(indexed.toUri().toString(), "k");
      Table tb = b.table(indexed.toUri().toString(), "k");
      for (int key : keys) {
        assertIndexedRow(key, ta.lookup(key, INDEXED_COLUMNS)); // the first touch starts the builds
      }
      Eventually.holds("both files indexed", Duration.ofSeconds(120), () -> worker.keyIndexesBuilt() >= 2);
      for (int key : keys) {
        assertIndexedRow(key, ta.lookup(key, INDEXED_COLUMNS)); // through the indexes, pages stored
      }

      disk.delay(stall);
      assertIndexedRow(keys[0], tb.lookup(keys[0], INDEXED_COLUMNS)); // finds the disk slow: its loop stalls
      Eventually.holds("the store is flagged slow", Duration.ofSeconds(60), () -> worker.storeReadStats().slow());
      worker.resetMaxLoopLag();
      for (int i = 0; i < keys.length; i++) {
        int key = keys[i];
        assertIndexedRow(key, (i % 2 == 0 ? ta : tb).lookup(key, INDEXED_COLUMNS));
      }
      Duration lag = worker.maxLoopLag();
      System.out.printf("T05 indexed table, stall %d ms: %d lookups; max loop lag %d ms; hits left to the origin %d%n",
          stall.toMillis(), keys.length, lag.toMillis(), worker.storeReadStats().toSource());
      assertThat(lag).as("no event loop stalled by an index read").isLessThan(stall.dividedBy(4));
      disk.delay(Duration.ZERO);
    }
  }

  private static final List<String> INDEXED_COLUMNS = List.of("k", "v", "text");

  private static void assertIndexedRow(int key, List<Row> found) {
    assertThat(found).as("key %d", key).hasSize(1);
    Row row = found.get(0);
    assertThat(((Number) row.get("k")).longValue()).as("key %d", key).isEqualTo(key);
    assertThat(((Number) row.get("v")).longValue()).as("key %d v", key).isEqualTo(key * 3L);
    assertThat(row.get("text")).as("key %d text", key).isEqualTo(key % 5 == 0 ? null : "text of " + key + " in version 0");
  }

  private static void stallAndRecover(Duration stall, int lookupsPerClient) throws Exception {
    ReadStall disk = new ReadStall();
    PageStoreConfig store = new PageStoreConfig(dir.resolve("cache-" + caches.incrementAndGet()), 64L << 20, 1 << 20,
        EvictionPolicy.LRU, false, 8192, "test", true, false);
    WorkerConfig config = WorkerConfig.defaults("127.0.0.1", 0, List.of(dir)).withManifestTtl(Duration.ofMinutes(10));
    Duration deadline = Duration.ofSeconds(Math.max(10, stall.toSeconds() * 3));
    long[] keys = new long[WARM_KEYS];
    SplittableRandom random = new SplittableRandom(5);
    for (int i = 0; i < keys.length; i++) {
      keys[i] = generator.keyAt(random.nextLong(ROWS));
    }
    try (Worker worker = Worker.start(config, store, null, WorkerSecurity.none(),
            RepagingConfig.defaults().withEnabled(false), TestHooks.slowStore(disk));
         NeedleClient a = client(worker, deadline);
         NeedleClient b = client(worker, deadline)) {
      Table ta = a.table(users.toUri().toString(), FeatureTable.KEY_COLUMN);
      Table tb = b.table(users.toUri().toString(), FeatureTable.KEY_COLUMN);
      for (long key : keys) {
        assertRight(key, ta.lookup(key, FeatureRow.COLUMNS)); // fills the store
      }
      long sourceReads = worker.pagesReadFromSource();
      long leftToSource = worker.storeReadStats().toSource();
      worker.resetMaxLoopLag();
      for (long key : keys) {
        assertRight(key, ta.lookup(key, FeatureRow.COLUMNS));
      }
      assertStoredPagesServed(worker, sourceReads, leftToSource, "the warm keys' pages are all stored");
      long storedPages = worker.pageStoreStats().cachedPages();
      Duration lagWarm = worker.maxLoopLag(); // the machine's own noise: every hit read on the loop, none slow

      disk.delay(stall);
      // The read that finds the disk slow stalls its loop once (a mapped read cannot be cut
      // short); it still answers, from the store.
      assertRight(keys[0], tb.lookup(keys[0], FeatureRow.COLUMNS));
      Eventually.holds("the store is flagged slow", Duration.ofSeconds(60), () -> worker.storeReadStats().slow());
      worker.resetMaxLoopLag();
      long sourceBefore = worker.pagesReadFromSource();

      AtomicLong slowestNanos = new AtomicLong();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      ExecutorService clients = Executors.newFixedThreadPool(2);
      try {
        List<Future<Integer>> done = new ArrayList<>();
        for (Table t : List.of(ta, tb)) {
          done.add(clients.submit(() -> {
            SplittableRandom r = new SplittableRandom(t == ta ? 1 : 2);
            int n = 0;
            for (; n < lookupsPerClient && failure.get() == null; n++) {
              long key = keys[r.nextInt(keys.length)];
              long start = System.nanoTime();
              try {
                assertRight(key, t.lookup(key, FeatureRow.COLUMNS));
              } catch (Throwable e) {
                failure.compareAndSet(null, e);
              }
              slowestNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
            }
            return n;
          }));
        }
        for (Future<Integer> f : done) {
          f.get();
        }
      } finally {
        clients.shutdownNow();
      }
      assertThat(failure.get()).as("every lookup answered right while the disk stalls").isNull();
      StoreReadStats slow = worker.storeReadStats();
      Duration lag = worker.maxLoopLag();
      System.out.printf("T05 stall %d ms: %d lookups, slowest %d ms (deadline %d s); max loop lag %d ms (%d ms in the "
              + "warm pass before the stall); pages from the origin %d, left to it by the store %d, copied off the loop %d, "
              + "slow reads %d; still flagged %s; key indexes built %d%n",
          stall.toMillis(), 2 * lookupsPerClient, slowestNanos.get() / 1_000_000, deadline.toSeconds(), lag.toMillis(),
          lagWarm.toMillis(), worker.pagesReadFromSource() - sourceBefore, slow.toSource(), slow.copiedOffLoop(),
          slow.slowReads(), slow.slow(), worker.keyIndexStats() == null ? 0 : worker.keyIndexStats().built());
      assertThat(slow.toSource()).as("stored pages the origin answered").isPositive();
      assertThat(worker.pagesReadFromSource()).as("pages read from the origin").isGreaterThan(sourceBefore);
      // A quarter of the stall: far from it, and above what a loaded 2-core machine's scheduling
      // alone was seen to cost a loop (467 ms at load 8).
      assertThat(lag).as("no event loop stalled by the disk").isLessThan(stall.dividedBy(4));

      disk.delay(Duration.ZERO);
      long fastSince = System.nanoTime();
      // Reads that began before the disk recovered still end slow (and may flag it again): the
      // flag must clear after the last of them.
      Eventually.holds("the flag clears once reads are fast", Duration.ofSeconds(60), () -> {
        assertRight(keys[1], ta.lookup(keys[1], FeatureRow.COLUMNS));
        return !worker.storeReadStats().slow() && System.nanoTime() - fastSince > stall.toNanos() + 500_000_000L;
      });
      long sourceAfter = worker.pagesReadFromSource();
      long leftAfter = worker.storeReadStats().toSource();
      for (long key : keys) {
        assertRight(key, tb.lookup(key, FeatureRow.COLUMNS));
      }
      assertStoredPagesServed(worker, sourceAfter, leftAfter, "every stored page still served from the store");
      assertThat(worker.pageStoreStats().cachedPages()).as("no stored page lost").isGreaterThanOrEqualTo(storedPages);
    }
  }

  /**
   * No page read from the origin since the marks but those the slow-store flag sent there: a
   * loaded machine can hold a fast read past the 50 ms bound and flag the store for a moment,
   * which is not a lost page (normally both counts stay put).
   */
  private static void assertStoredPagesServed(Worker worker, long sourceMark, long leftMark, String what) {
    long read = worker.pagesReadFromSource() - sourceMark;
    long sentThere = worker.storeReadStats().toSource() - leftMark;
    assertThat(read).as(what + " (pages read from the origin; %d sent there by the slow flag)", sentThere)
        .isLessThanOrEqualTo(sentThere);
  }

  private static NeedleClient client(Worker worker, Duration deadline) {
    return NeedleClient.builder().workers(List.of("127.0.0.1:" + worker.address().getPort()))
        .connectTimeout(Duration.ofSeconds(10)).requestTimeout(deadline).build();
  }

  private static void assertRight(long key, List<Row> found) {
    assertThat(found).as("key %d", key).hasSize(1);
    Map<String, Object> expected = generator.expected(key).asMap();
    for (int c = 0; c < found.get(0).size(); c++) {
      assertThat(found.get(0).get(c)).as("key %d column %s", key, found.get(0).name(c))
          .isEqualTo(expected.get(found.get(0).name(c)));
    }
  }
}
