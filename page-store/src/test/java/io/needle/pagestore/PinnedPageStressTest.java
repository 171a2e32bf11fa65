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
 * The worker's serving interleaving at the store (RELIABILITY.md T06, widened): one key is
 * stored again with another length and other bytes (a re-paged address re-paged anew), pages are
 * dropped and reported corrupt while others still hold them, and two writers evict and reuse every
 * region of a tiny store many times over. A reader holding a handle must find, for as long as it
 * holds it, bytes that match the handle's CRC32C and length: copied from the map (how small pages
 * are copied into an answer) and read through the channel (how large ones leave with sendfile),
 * before and after giving the writers the processor.
 */
class PinnedPageStressTest {
  private static final int KEYS = 600;

  @TempDir Path dir;

  private static PageKey keyOf(int i) {
    return TestPages.key(i % 3, i * 70_000L);
  }

  @Test
  void heldPagesMatchTheirCrcWhileRegionsAreEvictedAndKeysRestored() throws Exception {
    PageStoreConfig config = TestPages.config(dir, 3, 256 * 1024, EvictionPolicy.LRU, false);
    try (PageStore store = PageStore.open(config)) {
      AtomicBoolean writing = new AtomicBoolean(true);
      ExecutorService pool = Executors.newFixedThreadPool(5);
      List<Future<?>> writers = new ArrayList<>();
      List<Future<Long>> readers = new ArrayList<>();
      for (int w = 0; w < 2; w++) {
        long seed = 7 + w;
        writers.add(pool.submit(() -> {
          SplittableRandom random = new SplittableRandom(seed);
          for (int n = 0; n < 20_000; n++) {
            PageKey k = keyOf(random.nextInt(KEYS));
            int length = random.nextInt(8) == 0 ? 20_000 + random.nextInt(40_000) : 16 + random.nextInt(3000);
            store.put(k, TestPages.page(k, length));
            int op = random.nextInt(500);
            if (op == 0) { // rarely: each report is logged
              store.reportCorrupt(keyOf(random.nextInt(KEYS)));
            } else if (op < 10) {
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
          for (long reads = 0; writing.get() || reads < 1000; reads++) {
            PageKey k = keyOf(random.nextInt(KEYS));
            try (PageHandle h = store.get(k)) {
              if (h == null) {
                continue;
              }
              hits++;
              ByteBuffer expected = TestPages.page(k, h.length());
              assertThat(TestPages.crc32c(expected)).as("%s: CRC32C of the bytes stored with this length", k)
                  .isEqualTo(h.crc32c());
              ByteBuffer copied = ByteBuffer.allocate(h.length()).put(h.slice()).flip();
              Thread.yield(); // writers evict and reuse regions while this one is held
              ByteBuffer sent = readThroughChannel(h);
              Thread.yield();
              assertThat(copied).as("%s copied from the map", k).isEqualTo(expected);
              assertThat(sent).as("%s read through the channel", k).isEqualTo(expected);
              assertThat(h.slice()).as("%s still held", k).isEqualTo(expected);
            }
          }
          return hits;
        }));
      }
      for (Future<?> w : writers) {
        w.get();
      }
      writing.set(false);
      long hits = 0;
      for (Future<Long> r : readers) {
        hits += r.get();
      }
      pool.shutdown();
      assertThat(hits).isPositive();
      assertThat(store.stats().evictedRegions()).isGreaterThan(100);
    }
  }
}
