package io.needle.client;

import io.needle.decode.KeyType;
import io.needle.protocol.proto.Key;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.PrimitiveType;

import java.util.Arrays;
import java.util.BitSet;

/**
 * Which of a batch's distinct keys a file's [min, max] key range admits: the pruning that keeps a
 * key from being sent to workers whose files cannot hold it.
 *
 * <p>Keys are sorted once per batch in the column's physical order, so each file costs two binary
 * searches. Pruning is only done where Parquet's statistics order is certain and matches the
 * comparison here: signed INT32/INT64 (plain, date, time, timestamp, decimal), and byte arrays
 * compared as unsigned bytes (plain binary, string, enum, json, bson, uuid). Unsigned integers,
 * binary decimals (signed two's complement) and anything else admit every key: when unsure, do
 * not prune, because a wrong prune is a missing row.
 */
final class KeyRanges {
  private final int count;
  private final boolean prune;
  private final long[] sortedLongs;    // when long keys
  private final byte[][] sortedBytes;  // when byte keys
  private final int[] ordinalAt;       // ordinal of the i-th sorted key

  private KeyRanges(int count, boolean prune, long[] sortedLongs, byte[][] sortedBytes, int[] ordinalAt) {
    this.count = count;
    this.prune = prune;
    this.sortedLongs = sortedLongs;
    this.sortedBytes = sortedBytes;
    this.ordinalAt = ordinalAt;
  }

  static boolean prunable(KeyType type) {
    PrimitiveType p = type.parquetType();
    LogicalTypeAnnotation l = p.getLogicalTypeAnnotation();
    return switch (p.getPrimitiveTypeName()) {
      case INT32, INT64 -> !(l instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation i && !i.isSigned());
      case BINARY, FIXED_LEN_BYTE_ARRAY -> l == null
          || l instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation
          || l instanceof LogicalTypeAnnotation.EnumLogicalTypeAnnotation
          || l instanceof LogicalTypeAnnotation.JsonLogicalTypeAnnotation
          || l instanceof LogicalTypeAnnotation.BsonLogicalTypeAnnotation
          || l instanceof LogicalTypeAnnotation.UUIDLogicalTypeAnnotation;
      default -> false;
    };
  }

  static KeyRanges ofLongs(long[] distinct, boolean prune) {
    Integer[] order = order(distinct.length);
    Arrays.sort(order, (a, b) -> Long.compare(distinct[a], distinct[b]));
    long[] sorted = new long[distinct.length];
    int[] ordinalAt = new int[distinct.length];
    for (int i = 0; i < order.length; i++) {
      sorted[i] = distinct[order[i]];
      ordinalAt[i] = order[i];
    }
    return new KeyRanges(distinct.length, prune, sorted, null, ordinalAt);
  }

  static KeyRanges ofBytes(byte[][] distinct, boolean prune) {
    Integer[] order = order(distinct.length);
    Arrays.sort(order, (a, b) -> Arrays.compareUnsigned(distinct[a], distinct[b]));
    byte[][] sorted = new byte[distinct.length][];
    int[] ordinalAt = new int[distinct.length];
    for (int i = 0; i < order.length; i++) {
      sorted[i] = distinct[order[i]];
      ordinalAt[i] = order[i];
    }
    return new KeyRanges(distinct.length, prune, null, sorted, ordinalAt);
  }

  /** Ordinals of the keys in [min, max]; every key when the range is unknown or not comparable. */
  BitSet admitted(Key min, Key max) {
    BitSet out = new BitSet(count);
    int from = 0;
    int to = count; // exclusive
    if (prune && min != null && max != null) {
      if (sortedLongs != null && min.hasIntValue() && max.hasIntValue()) {
        from = lowerBound(min.getIntValue());
        to = upperBound(max.getIntValue());
      } else if (sortedBytes != null && min.hasBytesValue() && max.hasBytesValue()) {
        from = lowerBound(min.getBytesValue().toByteArray());
        to = upperBound(max.getBytesValue().toByteArray());
      }
    }
    for (int i = from; i < to; i++) {
      out.set(ordinalAt[i]);
    }
    return out;
  }

  /** Distinct keys. */
  int size() {
    return count;
  }

  /** Whether key ranges may prune keys at all (the statistics order is certain). */
  boolean pruning() {
    return prune;
  }

  /** The {@code i}-th key in ascending order (long keys). */
  long longAt(int i) {
    return sortedLongs[i];
  }

  /** The {@code i}-th key in ascending unsigned order (byte keys). */
  byte[] bytesAt(int i) {
    return sortedBytes[i];
  }

  /** The ordinal of the {@code i}-th key in ascending order. */
  int ordinalAt(int i) {
    return ordinalAt[i];
  }

  /** Every key's ordinal. */
  BitSet all() {
    BitSet out = new BitSet(count);
    out.set(0, count);
    return out;
  }

  private int lowerBound(long v) { // first index with key >= v
    int lo = 0;
    int hi = count;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (sortedLongs[mid] < v) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private int upperBound(long v) { // first index with key > v
    int lo = 0;
    int hi = count;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (sortedLongs[mid] <= v) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private int lowerBound(byte[] v) {
    int lo = 0;
    int hi = count;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (Arrays.compareUnsigned(sortedBytes[mid], v) < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private int upperBound(byte[] v) {
    int lo = 0;
    int hi = count;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (Arrays.compareUnsigned(sortedBytes[mid], v) <= 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private static Integer[] order(int n) {
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    return order;
  }
}
