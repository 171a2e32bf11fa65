package io.needle.pagestore;

/**
 * Admission filter: a count-min sketch of 4-bit counters (four per key) that estimates how often a
 * key was asked for recently, with periodic halving so that old popularity fades (the TinyLFU
 * idea; see Caffeine's FrequencySketch for the full-blown version).
 *
 * <p>Rule used by the store: once the store is full, a page is admitted only if its key's
 * estimate is at least {@link #ADMIT_FREQUENCY}, i.e. it was asked for before. A one-pass scan
 * of cold keys then never displaces the hot set.
 *
 * <p>Threading: {@link #increment} is called from every reader without a lock. Racing increments
 * may lose a count and a racing halving may be partial; for an estimate that is fine, and it
 * keeps the read path free of CAS loops. Each slot is a 64-bit array element (written whole).
 */
final class FrequencySketch {
  static final int ADMIT_FREQUENCY = 2;
  private static final long[] SEEDS = {0xc3a5c85c97cb3127L, 0xb492b66fbe98f273L, 0x9ae16a3b2f90404fL, 0xcbf29ce484222325L};
  private static final long RESET_MASK = 0x7777777777777777L;

  private final long[] table;
  private final int mask;
  private final int sampleSize;
  private int additions;

  /**
   * Two longs (32 counters) per expected entry, capped at 2^24 longs (128 MiB): with four counters
   * per key and halving every 5 increments per long, the average counter stays near 1, so a key
   * never asked for reads as 2 or more only rarely (about 0.5% at full load, measured by the
   * Zipf test). Half this size admitted nearly every scanned key.
   */
  FrequencySketch(long expectedEntries) {
    long wanted = Math.min(1L << 24, Math.max(64, 2 * expectedEntries));
    int size = Integer.highestOneBit((int) (wanted * 2 - 1));
    table = new long[size];
    mask = size - 1;
    sampleSize = 5 * size;
  }

  int frequency(long keyHash) {
    int min = 15;
    for (int i = 0; i < 4; i++) {
      long h = PageKey.mix64(keyHash + SEEDS[i]);
      int shift = (int) (h >>> 58) & 0x3C; // nibble index * 4
      int count = (int) ((table[(int) h & mask] >>> shift) & 0xF);
      min = Math.min(min, count);
    }
    return min;
  }

  void increment(long keyHash) {
    boolean added = false;
    for (int i = 0; i < 4; i++) {
      long h = PageKey.mix64(keyHash + SEEDS[i]);
      int index = (int) h & mask;
      int shift = (int) (h >>> 58) & 0x3C;
      long slot = table[index];
      if (((slot >>> shift) & 0xF) != 0xF) {
        table[index] = slot + (1L << shift);
        added = true;
      }
    }
    if (added && ++additions >= sampleSize) {
      reset();
    }
  }

  private void reset() {
    additions = 0;
    for (int i = 0; i < table.length; i++) {
      table[i] = (table[i] >>> 1) & RESET_MASK;
    }
  }
}
