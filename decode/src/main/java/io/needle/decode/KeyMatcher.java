package io.needle.decode;

import org.apache.parquet.io.api.Binary;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The distinct keys of one lookup, in the key column's physical representation (see
 * {@link KeyType}), answering "which requested key is this value" while the key column decodes.
 *
 * <p>Long keys live in a sorted array searched by bisection, with the original ordinals beside
 * it: a few hundred keys cost at most nine probes and no allocation. Byte keys live in a hash map
 * keyed by parquet {@link Binary}, whose equals/hashCode compare content whatever the backing
 * (array slice or buffer), so the decoder's values are looked up without copying. Immutable and
 * thread-safe.
 */
public final class KeyMatcher {
  private final long[] sortedLongs;
  private final int[] longOrdinals;
  private final Map<Binary, Integer> binaries;
  private final int size;

  private KeyMatcher(long[] sortedLongs, int[] longOrdinals, Map<Binary, Integer> binaries, int size) {
    this.sortedLongs = sortedLongs;
    this.longOrdinals = longOrdinals;
    this.binaries = binaries;
    this.size = size;
  }

  /** Keys of an INT32/INT64 column; ordinal i is {@code distinctKeys[i]}. Duplicates are rejected. */
  public static KeyMatcher ofLongs(long[] distinctKeys) {
    Objects.requireNonNull(distinctKeys, "distinctKeys is null");
    int n = distinctKeys.length;
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Long.compare(distinctKeys[a], distinctKeys[b]));
    long[] sorted = new long[n];
    int[] ordinals = new int[n];
    for (int i = 0; i < n; i++) {
      sorted[i] = distinctKeys[order[i]];
      ordinals[i] = order[i];
      if (i > 0 && sorted[i] == sorted[i - 1]) {
        throw new IllegalArgumentException("duplicate key " + sorted[i] + " at ordinals " + ordinals[i - 1] + " and " + ordinals[i]);
      }
    }
    return new KeyMatcher(sorted, ordinals, null, n);
  }

  /** Keys of a BYTE_ARRAY/FIXED_LEN_BYTE_ARRAY column; ordinal i is {@code distinctKeys[i]}. */
  public static KeyMatcher ofBytes(byte[][] distinctKeys) {
    Objects.requireNonNull(distinctKeys, "distinctKeys is null");
    Map<Binary, Integer> map = new HashMap<>(Math.max(4, distinctKeys.length * 2));
    for (int i = 0; i < distinctKeys.length; i++) {
      byte[] key = Objects.requireNonNull(distinctKeys[i], "key " + i + " is null");
      Integer previous = map.put(Binary.fromConstantByteArray(key.clone()), i);
      if (previous != null) {
        throw new IllegalArgumentException("duplicate key at ordinals " + previous + " and " + i);
      }
    }
    return new KeyMatcher(null, null, map, distinctKeys.length);
  }

  /** True when the keys are longs. */
  public boolean isLong() {
    return sortedLongs != null;
  }

  /** Number of keys. */
  public int size() {
    return size;
  }

  /** The ordinal of the key equal to {@code value}, or -1. */
  public int ordinalOf(long value) {
    if (sortedLongs == null) {
      return -1;
    }
    int i = Arrays.binarySearch(sortedLongs, value);
    return i >= 0 ? longOrdinals[i] : -1;
  }

  /** The ordinal of the key equal to {@code value}'s bytes, or -1. */
  public int ordinalOf(Binary value) {
    if (binaries == null) {
      return -1;
    }
    Integer ordinal = binaries.get(value);
    return ordinal == null ? -1 : ordinal;
  }

  @Override
  public String toString() {
    return "KeyMatcher{" + size + (isLong() ? " long keys}" : " byte keys}");
  }
}
