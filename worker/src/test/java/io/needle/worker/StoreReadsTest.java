package io.needle.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.needle.pagestore.EvictionPolicy;
import io.needle.pagestore.PageHandle;
import io.needle.pagestore.PageKey;
import io.needle.pagestore.PageStore;
import io.needle.pagestore.PageStoreConfig;
import io.needle.pagestore.hooks.ReadStall;
import io.needle.testsupport.Eventually;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** T05's mechanism on a real store whose reads stall: flagged by a slow read, bounded off the loop, cleared when fast. */
class StoreReadsTest {
  @TempDir
  Path dir;

  @Test
  void aSlowReadFlagsTheStoreWhoseCopiesThenGiveWayToTheSourceUntilReadsAreFastAgain() throws Exception {
    ReadStall disk = new ReadStall();
    PageStoreConfig config = new PageStoreConfig(dir, 4L << 20, 1 << 20, EvictionPolicy.LRU, false, 8192, "test", true,
        false);
    byte[] page = new byte[3000];
    new SplittableRandom(3).nextBytes(page);
    CRC32C crc = new CRC32C();
    crc.update(page);
    PageKey key = PageKey.of("users/part-0.parquet|1", 4096);
    // A bound of 1 s and a stall of 3 s, rather than 50 ms: a loaded test machine can hold a
    // thread for 50 ms, and the outcomes checked here must not depend on the scheduler.
    try (PageStore store = PageStore.open(config, disk);
         StoreReads reads = new StoreReads(store, TimeUnit.SECONDS.toNanos(1))) {
      assertThat(store.put(key, ByteBuffer.wrap(page))).isTrue();
      release(reads.onLoop(key));
      assertThat(reads.slow()).as("a fast read leaves the store on the loop").isFalse();

      disk.delay(Duration.ofSeconds(3));
      release(reads.onLoop(key));
      assertThat(reads.slow()).as("one read over the bound flags it").isTrue();
      // The copy stalls 3 s; the bound (1 s) passes first: no copy, the source is to answer.
      assertThat(reads.offLoop(key, page.length, Deadline.never()).get(60, TimeUnit.SECONDS)).isNull();
      assertThat(reads.toSource()).isEqualTo(1);
      Eventually.holds("the stalled copy ends (or was skipped)", Duration.ofSeconds(60), () -> reads.pending() == 0);
      assertThat(reads.copiedOffLoop()).as("a copy done after its bound is not used").isZero();

      disk.delay(Duration.ZERO);
      Eventually.holds("fast copies clear the flag", Duration.ofSeconds(60), () -> {
        PageCache.Fetched copy = reads.offLoop(key, page.length, Deadline.never()).join();
        if (copy != null) {
          assertThat(copy.bytes()).isEqualTo(page);
          assertThat(copy.crc32c()).isEqualTo((int) crc.getValue());
        }
        return !reads.slow();
      });
      assertThat(reads.copiedOffLoop()).isGreaterThanOrEqualTo(StoreReads.CLEAR_AFTER);
      assertThat(reads.slowEpisodes()).isEqualTo(1);

      long leftToSource = reads.toSource();
      assertThat(reads.offLoop(PageKey.of("users/part-0.parquet|1", 999_999), 10, Deadline.never()).join())
          .as("a page the store does not hold").isNull();
      assertThat(reads.toSource()).as("a miss is not a page the store failed to read in time").isEqualTo(leftToSource);
    }
  }

  private static void release(PageHandle hit) {
    assertThat(hit).isNotNull();
    hit.release();
  }
}
