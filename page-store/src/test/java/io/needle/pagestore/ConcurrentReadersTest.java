package io.needle.pagestore;

import static io.needle.pagestore.TestPages.readThroughChannel;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Eviction races (RELIABILITY.md T06): readers hold handles while two writers fill a tiny store
 * so fast that every region is evicted and reused many times over. A reader must never see
 * another page's bytes under its key, through the file channel or the mapped slice, for as long
 * as it holds the handle.
 */
class ConcurrentReadersTest {
  private static final int KEYS = 2000;

  @TempDir Path dir;

  private static PageKey keyOf(int i) {
    return TestPages.key(i % 7, i * 9_000L);
  }

  private static int lengthOf(PageKey k) {
    return TestPages.lengthOf(k, 16, 4000);
  }

  @Test
  void readersNeverSeeANewerPageUnderAnOldKey() throws Exception {
    PageStoreConfig config = TestPages.config(dir, 3, 64 * 1024, EvictionPolicy.LRU, false);
    try (PageStore store = PageStore.open(config)) {
      AtomicBoolean writing = new AtomicBoolean(true);
      ExecutorService pool = Executors.newFixedThreadPool(5);
      List<Future<long[]>> readers = new ArrayList<>();
      List<Future<?>> writers = new ArrayList<>();
      for (int w = 0; w < 2; w++) {
        long seed = w;
        writers.add(pool.submit(() -> {
          SplittableRandom random = new SplittableRandom(seed);
          for (int n = 0; n < 40_000; n++) {
            PageKey k = keyOf(random.nextInt(KEYS));
            store.put(k, TestPages.page(k, lengthOf(k)));
            if (n % 500 == 0) {
              store.invalidate(keyOf(random.nextInt(KEYS)));
            }
          }
          return null;
        }));
      }
      for (int r = 0; r < 3; r++) {
        long seed = 100 + r;
        readers.add(pool.submit(() -> {
          SplittableRandom random = new SplittableRandom(seed);
          long hits = 0;
          long reads = 0;
          while (writing.get() || reads < 1000) {
            reads++;
            PageKey k = keyOf(random.nextInt(KEYS));
            try (PageHandle h = store.get(k)) {
              if (h != null) {
                hits++;
                ByteBuffer expected = TestPages.page(k, lengthOf(k));
                ByteBuffer viaChannel = readThroughChannel(h);
                Thread.yield(); // give writers a chance to reuse the region while we hold it
                assertThat(viaChannel).as("%s via channel", k).isEqualTo(expected);
                assertThat(h.slice()).as("%s via slice", k).isEqualTo(expected);
              }
            }
          }
          return new long[] {hits, reads};
        }));
      }
      for (Future<?> w : writers) {
        w.get();
      }
      writing.set(false);
      long hits = 0;
      for (Future<long[]> r : readers) {
        hits += r.get()[0];
      }
      pool.shutdown();
      assertThat(hits).isPositive();
      assertThat(store.stats().evictedRegions()).isGreaterThan(100);
      assertThat(store.stats().cachedBytes()).isLessThanOrEqualTo(config.capacityBytes());
    }
  }
}
