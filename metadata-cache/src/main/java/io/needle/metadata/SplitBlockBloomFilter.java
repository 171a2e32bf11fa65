package io.needle.metadata;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A Parquet split-block bloom filter, read-only and safe to probe from any number of threads.
 *
 * <p>Why not parquet-java's {@code BlockSplitBloomFilter}: its {@code findHash} (1.18.1) builds
 * the probe mask in an instance field, so two threads probing one cached filter corrupt each
 * other's masks and report present keys as absent (seen: lookups of present keys answered with
 * no row under concurrent load). The algorithm is small and fixed by the format spec: the hash's
 * high 32 bits pick a 256-bit block, its low 32 bits times eight salts pick one bit in each of
 * the block's eight 32-bit words; the key may be present only if all eight bits are set.
 */
final class SplitBlockBloomFilter {
  private static final int[] SALT = {
    0x47b6137b, 0x44974d91, 0x8824ad5b, 0xa2b7289d, 0x705495c7, 0x2df1424b, 0x9efc4947, 0x5c6bfb31
  };
  private static final int WORDS_PER_BLOCK = 8;
  static final int BYTES_PER_BLOCK = WORDS_PER_BLOCK * 4;

  private final int[] words;
  private final long blocks;

  /** @param bitset the filter's bytes as stored (little-endian words), a whole number of blocks */
  SplitBlockBloomFilter(byte[] bitset) {
    if (bitset.length == 0 || bitset.length % BYTES_PER_BLOCK != 0) {
      throw new IllegalArgumentException("bloom filter bitset of " + bitset.length + " bytes is not whole 32-byte blocks");
    }
    words = new int[bitset.length / 4];
    ByteBuffer.wrap(bitset).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(words);
    blocks = bitset.length / BYTES_PER_BLOCK;
  }

  /** False when a value with this XXH64 hash is certainly absent. */
  boolean mightContain(long hash) {
    int block = (int) (((hash >>> 32) * blocks) >>> 32);
    int key = (int) hash;
    int base = block * WORDS_PER_BLOCK;
    for (int i = 0; i < WORDS_PER_BLOCK; i++) {
      int bit = (key * SALT[i]) >>> 27;
      if ((words[base + i] & (1 << bit)) == 0) {
        return false;
      }
    }
    return true;
  }

  long heapBytes() {
    return 32 + words.length * 4L;
  }
}
