package io.needle.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.needle.metadata.FileVersion;
import io.needle.pagestore.EvictionPolicy;
import io.needle.pagestore.PageStore;
import io.needle.pagestore.PageStoreConfig;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two lookups of one file version that plan the same page offset with different lengths (page
 * tables from different sources) while the first one's read is still in flight: each must be
 * answered with bytes of the length its header announces, and a CRC32C of exactly those bytes.
 * (Before, the second lookup joined the first one's read and got 1,000 bytes for a 3,000-byte
 * page: its payload would be shifted from that page on.) The loader is a queue run by the test,
 * so the interleaving is the same every run.
 */
class PageCacheSingleFlightTest {
  @TempDir Path dir;

  @Test
  void aPagePlannedWithAnotherLengthNeverSharesTheReadInFlight() throws Exception {
    byte[] content = new byte[64 * 1024];
    new SplittableRandom(42).nextBytes(content);
    Path file = dir.resolve("part-0.parquet");
    Files.write(file, content);
    ArrayDeque<Runnable> loaderQueue = new ArrayDeque<>();
    Executor loader = loaderQueue::add;
    PageStoreConfig config = new PageStoreConfig(dir.resolve("cache"), 3L << 20, 1 << 20, EvictionPolicy.LRU, false,
        8192, "single-flight-test", false, false);
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        PageCache cache = new PageCache(PageStore.open(config), loader)) {
      OpenFile open = new OpenFile(new FileVersion(file.toString(), content.length, "v1"), channel);
      long offset = 4;
      int[] lengths = {1_000, 3_000};
      PagePart[][] parts = new PagePart[2][1];
      int[][] crcs = new int[2][1];
      CompletableFuture<?>[] resolved = new CompletableFuture<?>[2];
      for (int lookup = 0; lookup < 2; lookup++) { // the second starts while the first one's read waits
        resolved[lookup] = cache.resolve(open, new long[] {offset}, new int[] {lengths[lookup]}, Set.of(), 0,
            parts[lookup], crcs[lookup], Deadline.never());
      }
      assertThat(resolved[0]).isNotDone();
      while (!loaderQueue.isEmpty()) {
        loaderQueue.poll().run();
      }
      for (int lookup = 0; lookup < 2; lookup++) {
        resolved[lookup].get();
        byte[] shipped = ((PagePart.Fetched) parts[lookup][0]).bytes();
        byte[] expected = Arrays.copyOfRange(content, (int) offset, (int) offset + lengths[lookup]);
        assertThat(shipped.length).as("lookup %d's page length", lookup).isEqualTo(lengths[lookup]);
        assertThat(Arrays.equals(shipped, expected)).as("lookup %d's page is the file's bytes", lookup).isTrue();
        CRC32C crc = new CRC32C();
        crc.update(ByteBuffer.wrap(shipped));
        assertThat(crcs[lookup][0]).as("lookup %d's CRC32C", lookup).isEqualTo((int) crc.getValue());
      }
      open.release();
    }
  }
}
