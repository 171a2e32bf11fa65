package io.needle.client;

import io.needle.protocol.proto.Key;
import io.needle.protocol.proto.KeyOrder;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * A manifest's files ordered by the low end of their key ranges, so that routing a lookup costs
 * O(keys × log files) instead of a check of every file (which allocated a bit set per file: 10,000
 * per lookup of a 10,000-file table). Same answers as {@link KeyRanges#admitted} per file.
 *
 * <p>How: ranged files sorted by min, with {@code reach[j]} the largest max among the first
 * {@code j + 1} of them. The files that may hold key k are among those with min ≤ k, found by
 * walking down from the last of them while {@code reach} still reaches k; for disjoint ranges (a
 * sorted table) that is one file. Ranges compare in the order the worker named for them
 * ({@link KeyOrder}); the index takes the order of the first ranged file, and files without a
 * range, with no order named, or with another order (a table whose files disagree) admit every
 * key. Immutable.
 */
final class FileRanges<F extends FileRanges.Bounded> {
  /** A file with the key range its statistics give (either end null when unknown) and its order. */
  interface Bounded {
    Key keyMin();

    Key keyMax();

    KeyOrder keyOrder();
  }

  private final KeyOrder order; // of the ranged files; KEY_ORDER_UNKNOWN when none
  private final List<F> files; // manifest order
  private final int[] unranged;                  // manifest positions of files that admit every key
  private final int[] byMin;                     // manifest positions of ranged files, min ascending
  private final long[] minLongs;
  private final long[] maxLongs;
  private final long[] reachLongs;
  private final byte[][] minBytes;
  private final byte[][] maxBytes;
  private final byte[][] reachBytes;

  private FileRanges(KeyOrder order, List<F> files, int[] unranged, int[] byMin, long[] minLongs, long[] maxLongs,
      long[] reachLongs, byte[][] minBytes, byte[][] maxBytes, byte[][] reachBytes) {
    this.order = order;
    this.files = files;
    this.unranged = unranged;
    this.byMin = byMin;
    this.minLongs = minLongs;
    this.maxLongs = maxLongs;
    this.reachLongs = reachLongs;
    this.minBytes = minBytes;
    this.maxBytes = maxBytes;
    this.reachBytes = reachBytes;
  }

  /** The index of a table's files, in manifest order. */
  static <F extends Bounded> FileRanges<F> of(List<F> files) {
    KeyOrder order = KeyOrder.KEY_ORDER_UNKNOWN;
    for (F f : files) {
      if (f.keyMin() != null && f.keyMax() != null && f.keyOrder() != KeyOrder.KEY_ORDER_UNKNOWN) {
        order = f.keyOrder();
        break;
      }
    }
    boolean longs = KeyRanges.comparesLongs(order);
    List<Integer> unranged = new ArrayList<>();
    List<Integer> ranged = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      F f = files.get(i);
      boolean comparable = order != KeyOrder.KEY_ORDER_UNKNOWN && f.keyOrder() == order
          && f.keyMin() != null && f.keyMax() != null && (longs
          ? f.keyMin().hasIntValue() && f.keyMax().hasIntValue()
          : f.keyMin().hasBytesValue() && f.keyMax().hasBytesValue());
      (comparable ? ranged : unranged).add(i);
    }
    int n = ranged.size();
    if (longs) {
      KeyOrder o = order;
      ranged.sort(Comparator.comparingLong(i -> KeyRanges.comparable(o, files.get(i).keyMin().getIntValue())));
      long[] min = new long[n];
      long[] max = new long[n];
      long[] reach = new long[n];
      for (int j = 0; j < n; j++) {
        F f = files.get(ranged.get(j));
        min[j] = KeyRanges.comparable(order, f.keyMin().getIntValue());
        max[j] = KeyRanges.comparable(order, f.keyMax().getIntValue());
        reach[j] = j == 0 ? max[j] : Math.max(reach[j - 1], max[j]);
      }
      return new FileRanges<>(order, files, ints(unranged), ints(ranged), min, max, reach, null, null, null);
    }
    byte[][] min = new byte[n][];
    byte[][] max = new byte[n][];
    byte[][] reach = new byte[n][];
    for (int j = 0; j < n; j++) {
      F f = files.get(ranged.get(j));
      min[j] = f.keyMin().getBytesValue().toByteArray();
      max[j] = f.keyMax().getBytesValue().toByteArray();
    }
    Integer[] manifestAt = ranged.toArray(Integer[]::new);
    Integer[] positions = new Integer[n];
    Arrays.setAll(positions, j -> j);
    Arrays.sort(positions, (a, b) -> Arrays.compareUnsigned(min[a], min[b]));
    byte[][] sortedMin = new byte[n][];
    byte[][] sortedMax = new byte[n][];
    int[] byMin = new int[n];
    for (int j = 0; j < n; j++) {
      sortedMin[j] = min[positions[j]];
      sortedMax[j] = max[positions[j]];
      byMin[j] = manifestAt[positions[j]];
      reach[j] = j == 0 || Arrays.compareUnsigned(sortedMax[j], reach[j - 1]) > 0 ? sortedMax[j] : reach[j - 1];
    }
    return new FileRanges<>(order, files, ints(unranged), byMin, null, null, null, sortedMin, sortedMax, reach);
  }

  /** The order the ranges compare in: build the lookup's {@link KeyRanges} in it. */
  KeyOrder order() {
    return order;
  }

  /**
   * Calls {@code out} once for every file that may hold one of {@code keys}, in manifest order,
   * with the ordinals of the keys its range admits. Keys sorted in another order than
   * {@link #order} prune nothing.
   */
  void route(KeyRanges keys, BiConsumer<? super F, BitSet> out) {
    // Positions touched, not an array per manifest: a one-key lookup of a 10,000-file table
    // allocates and sweeps nothing of that size.
    java.util.Map<Integer, BitSet> admitted = new java.util.HashMap<>();
    for (int position : unranged) {
      admitted.put(position, keys.all());
    }
    if (!keys.pruning() || keys.order() != order) { // the order also fixes the kind: longs or bytes
      for (int position : byMin) {
        admitted.put(position, keys.all());
      }
    } else {
      for (int i = 0; i < keys.size(); i++) {
        for (int j = lastStartingAtOrBelow(keys, i); j >= 0 && reachesUp(j, keys, i); j--) {
          if (holds(j, keys, i)) {
            admitted.computeIfAbsent(byMin[j], p -> new BitSet(keys.size())).set(keys.ordinalAt(i));
          }
        }
      }
    }
    int[] positions = admitted.keySet().stream().mapToInt(Integer::intValue).sorted().toArray();
    for (int position : positions) {
      out.accept(files.get(position), admitted.get(position));
    }
  }

  /** The last ranged file (in min order) whose min is at or below sorted key {@code i}; -1 if none. */
  private int lastStartingAtOrBelow(KeyRanges keys, int i) {
    int lo = 0;
    int hi = byMin.length; // first with min > key
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      boolean atOrBelow = minLongs != null ? minLongs[mid] <= keys.longAt(i)
          : Arrays.compareUnsigned(minBytes[mid], keys.bytesAt(i)) <= 0;
      if (atOrBelow) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo - 1;
  }

  private boolean reachesUp(int j, KeyRanges keys, int i) {
    return reachLongs != null ? reachLongs[j] >= keys.longAt(i)
        : Arrays.compareUnsigned(reachBytes[j], keys.bytesAt(i)) >= 0;
  }

  private boolean holds(int j, KeyRanges keys, int i) {
    return maxLongs != null ? maxLongs[j] >= keys.longAt(i) : Arrays.compareUnsigned(maxBytes[j], keys.bytesAt(i)) >= 0;
  }

  private static int[] ints(List<Integer> list) {
    return list.stream().mapToInt(Integer::intValue).toArray();
  }
}
