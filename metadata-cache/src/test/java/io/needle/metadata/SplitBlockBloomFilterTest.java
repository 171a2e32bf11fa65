package io.needle.metadata;

import org.apache.parquet.column.values.bloomfilter.BlockSplitBloomFilter;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SplitBlockBloomFilterTest {
  private static byte[] bitsetOf(BlockSplitBloomFilter filter) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    filter.writeTo(out);
    return out.toByteArray();
  }

  @Test
  void answersExactlyLikeParquetJavasFilter() throws Exception {
    SplittableRandom random = new SplittableRandom(1);
    BlockSplitBloomFilter reference = new BlockSplitBloomFilter(4096);
    long[] inserted = new long[1500];
    for (int i = 0; i < inserted.length; i++) {
      inserted[i] = random.nextLong();
      reference.insertHash(inserted[i]);
    }
    SplitBlockBloomFilter ours = new SplitBlockBloomFilter(bitsetOf(reference));
    for (long h : inserted) {
      assertThat(ours.mightContain(h)).isTrue();
    }
    int falsePositives = 0;
    for (int i = 0; i < 20_000; i++) {
      long h = random.nextLong();
      assertThat(ours.mightContain(h)).as("hash %x", h).isEqualTo(reference.findHash(h));
      falsePositives += ours.mightContain(h) ? 1 : 0;
    }
    assertThat(falsePositives).isPositive().isLessThan(20_000 / 5); // a real filter, not all-ones
  }

  @Test
  void neverLosesAPresentKeyUnderConcurrentProbes() throws Exception {
    SplittableRandom random = new SplittableRandom(2);
    BlockSplitBloomFilter reference = new BlockSplitBloomFilter(2048);
    long[] inserted = new long[800];
    for (int i = 0; i < inserted.length; i++) {
      inserted[i] = random.nextLong();
      reference.insertHash(inserted[i]);
    }
    SplitBlockBloomFilter shared = new SplitBlockBloomFilter(bitsetOf(reference));
    ExecutorService pool = Executors.newFixedThreadPool(8);
    AtomicLong misses = new AtomicLong();
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      done.add(pool.submit(() -> {
        for (int round = 0; round < 200; round++) {
          for (long h : inserted) {
            if (!shared.mightContain(h)) {
              misses.incrementAndGet();
            }
          }
        }
      }));
    }
    for (Future<?> f : done) {
      f.get();
    }
    pool.shutdown();
    assertThat(misses.get()).isZero();
  }

  @Test
  void rejectsBitsetsThatAreNotWholeBlocks() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new SplitBlockBloomFilter(new byte[33]))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
