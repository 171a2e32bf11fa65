package io.needle.client;

import io.needle.protocol.proto.Key;
import io.needle.protocol.proto.KeyOrder;

import java.util.Arrays;
import java.util.BitSet;

/**
 * Which of a batch's distinct keys a file's [min, max] key range admits: the pruning that keeps a
 * key from being sent to workers whose files cannot hold it.
 *
 * <p>Keys are sorted once per batch in the order the worker named for the table's key ranges
 * ({@link KeyOrder}, decided by the worker's one statistics-order rule), so each file costs two
 * binary searches. The client has no order rule of its own: it compares in the order named
 * (signed or unsigned integers, unsigned bytes), and with no order named every key is admitted,
 * because a wrong prune is a missing row. Unsigned integers are kept with their sign bit flipped
 * ({@link #comparable}), so that one signed comparison serves both integer orders.
 */
final class KeyRanges {
  private final int count;
  private final KeyOrder order;        // the order keys were sorted in; KEY_ORDER_UNKNOWN: no pruning
  private final long[] sortedLongs;    // when long keys, in comparable form
  private final byte[][] sortedBytes;  // when byte keys
  private final int[] ordinalAt;       // ordinal of the i-th sorted key

  private KeyRanges(int count, KeyOrder order, long[] sortedLongs, byte[][] sortedBytes, int[] ordinalAt) {
    this.count = count;
    this.order = order;
    this.sortedLongs = sortedLongs;
    this.sortedBytes = sortedBytes;
    this.ordinalAt = ordinalAt;
  }

  /** Whether integer ranges in {@code order} prune. */
  static boolean comparesLongs(KeyOrder order) {
    return order == KeyOrder.KEY_ORDER_SIGNED_INT || order == KeyOrder.KEY_ORDER_UNSIGNED_INT;
  }

  /** Whether byte-string ranges in {@code order} prune. */
  static boolean comparesBytes(KeyOrder order) {
    return order == KeyOrder.KEY_ORDER_UNSIGNED_BYTES;
  }

  /** {@code v} mapped so that a signed comparison orders it as {@code order} does (integer orders). */
  static long comparable(KeyOrder order, long v) {
    return order == KeyOrder.KEY_ORDER_UNSIGNED_INT ? v ^ Long.MIN_VALUE : v;
  }

  /** Integer keys sorted in {@code order}; an order that is not an integer order prunes nothing. */
  static KeyRanges ofLongs(long[] distinct, KeyOrder order) {
    KeyOrder used = comparesLongs(order) ? order : KeyOrder.KEY_ORDER_UNKNOWN;
    long[] comparable = new long[distinct.length];
    for (int i = 0; i < distinct.length; i++) {
      comparable[i] = comparable(used, distinct[i]);
    }
    Integer[] positions = positions(distinct.length);
    Arrays.sort(positions, (a, b) -> Long.compare(comparable[a], comparable[b]));
    long[] sorted = new long[distinct.length];
    int[] ordinalAt = new int[distinct.length];
    for (int i = 0; i < positions.length; i++) {
      sorted[i] = comparable[positions[i]];
      ordinalAt[i] = positions[i];
    }
    return new KeyRanges(distinct.length, used, sorted, null, ordinalAt);
  }

  /** Byte-string keys sorted in {@code order}; an order that is not a byte order prunes nothing. */
  static KeyRanges ofBytes(byte[][] distinct, KeyOrder order) {
    KeyOrder used = comparesBytes(order) ? order : KeyOrder.KEY_ORDER_UNKNOWN;
    Integer[] positions = positions(distinct.length);
    Arrays.sort(positions, (a, b) -> Arrays.compareUnsigned(distinct[a], distinct[b]));
    byte[][] sorted = new byte[distinct.length][];
    int[] ordinalAt = new int[distinct.length];
    for (int i = 0; i < positions.length; i++) {
      sorted[i] = distinct[positions[i]];
      ordinalAt[i] = positions[i];
    }
    return new KeyRanges(distinct.length, used, null, sorted, ordinalAt);
  }

  /** Ordinals of the keys in [min, max]; every key when the range is unknown or not comparable. */
  BitSet admitted(Key min, Key max) {
    BitSet out = new BitSet(count);
    int from = 0;
    int to = count; // exclusive
    if (pruning() && min != null && max != null) {
      if (sortedLongs != null && min.hasIntValue() && max.hasIntValue()) {
        from = lowerBound(comparable(order, min.getIntValue()));
        to = upperBound(comparable(order, max.getIntValue()));
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

  /** Whether key ranges may prune keys at all (an order was named for these keys). */
  boolean pruning() {
    return order != KeyOrder.KEY_ORDER_UNKNOWN;
  }

  /** The order the keys are sorted in. */
  KeyOrder order() {
    return order;
  }

  /** The {@code i}-th key in ascending order (long keys), in {@link #comparable} form. */
  long longAt(int i) {
    return sortedLongs[i];
  }

  /** The {@code i}-th key in ascending order (byte keys). */
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

  private static Integer[] positions(int n) {
    Integer[] positions = new Integer[n];
    for (int i = 0; i < n; i++) {
      positions[i] = i;
    }
    return positions;
  }
}
