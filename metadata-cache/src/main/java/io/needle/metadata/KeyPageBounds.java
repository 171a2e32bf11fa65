package io.needle.metadata;

import java.util.BitSet;

import java.util.Arrays;

/**
 * Per-page key bounds of one key-column chunk, from its column index or its page-header
 * statistics, in the compact form the planner searches.
 *
 * <p>Only pages with known bounds that are not all-null appear in {@link #pages} (ascending page
 * indexes) with their bounds at the same position; pages with unknown bounds are in
 * {@link #unboundedPages} and are candidates for every key; all-null pages appear in neither.
 * {@code ordered} is ASCENDING or DESCENDING only when the bounds really are monotone (checked
 * at construction: a writer's boundary_order is not trusted blindly), so a binary search is safe.
 * Long bounds are normalised (see {@link StatsOrder}) and compare with Long.compare;
 * byte bounds compare with Arrays.compareUnsigned.
 */
final class KeyPageBounds {
  enum Order { ASCENDING, DESCENDING, UNORDERED }

  final int[] pages;
  final long[] minLongs;
  final long[] maxLongs;
  final byte[][] minBytes;
  final byte[][] maxBytes;
  final int[] unboundedPages;
  final Order order;

  private KeyPageBounds(
      int[] pages, long[] minLongs, long[] maxLongs, byte[][] minBytes, byte[][] maxBytes,
      int[] unboundedPages, Order claimed) {
    this.pages = pages;
    this.minLongs = minLongs;
    this.maxLongs = maxLongs;
    this.minBytes = minBytes;
    this.maxBytes = maxBytes;
    this.unboundedPages = unboundedPages;
    this.order = claimed == Order.UNORDERED || !monotone(claimed) ? Order.UNORDERED : claimed;
  }

  static KeyPageBounds ofLongs(int[] pages, long[] mins, long[] maxs, int[] unbounded, Order claimed) {
    return new KeyPageBounds(pages, mins, maxs, null, null, unbounded, claimed);
  }

  static KeyPageBounds ofBytes(int[] pages, byte[][] mins, byte[][] maxs, int[] unbounded, Order claimed) {
    return new KeyPageBounds(pages, null, null, mins, maxs, unbounded, claimed);
  }

  private int cmpMin(int i, int j) {
    return minLongs != null ? Long.compare(minLongs[i], minLongs[j]) : Arrays.compareUnsigned(minBytes[i], minBytes[j]);
  }

  private int cmpMax(int i, int j) {
    return maxLongs != null ? Long.compare(maxLongs[i], maxLongs[j]) : Arrays.compareUnsigned(maxBytes[i], maxBytes[j]);
  }

  private boolean monotone(Order claimed) {
    int sign = claimed == Order.ASCENDING ? 1 : -1;
    for (int i = 1; i < pages.length; i++) {
      if (sign * cmpMin(i - 1, i) > 0 || sign * cmpMax(i - 1, i) > 0) {
        return false;
      }
    }
    return true;
  }

  /** Marks in {@code candidates} (indexed by page) every page that may hold {@code key}. */
  void mark(long key, BitSet candidates) {
    for (int p : unboundedPages) {
      candidates.set(p);
    }
    int n = pages.length;
    if (order == Order.UNORDERED) {
      for (int i = 0; i < n; i++) {
        if (minLongs[i] <= key && key <= maxLongs[i]) {
          candidates.set(pages[i]);
        }
      }
      return;
    }
    int from;
    int to;
    if (order == Order.ASCENDING) {
      from = firstLong(maxLongs, key); // first max >= key
      to = firstLong(minLongs, key + 1); // first min > key
      if (key == Long.MAX_VALUE) {
        to = n;
      }
    } else {
      from = firstLongDesc(minLongs, key); // first min <= key
      to = firstLongDesc(maxLongs, key - 1); // first max < key
      if (key == Long.MIN_VALUE) {
        to = n;
      }
    }
    for (int i = from; i < to; i++) {
      candidates.set(pages[i]);
    }
  }

  void mark(byte[] key, BitSet candidates) {
    for (int p : unboundedPages) {
      candidates.set(p);
    }
    int n = pages.length;
    if (order == Order.UNORDERED) {
      for (int i = 0; i < n; i++) {
        if (Arrays.compareUnsigned(minBytes[i], key) <= 0 && Arrays.compareUnsigned(key, maxBytes[i]) <= 0) {
          candidates.set(pages[i]);
        }
      }
      return;
    }
    int from;
    int to;
    if (order == Order.ASCENDING) {
      from = firstBytes(maxBytes, key, false, true); // first max >= key
      to = firstBytes(minBytes, key, true, true); // first min > key
    } else {
      from = firstBytes(minBytes, key, false, false); // first min <= key
      to = firstBytes(maxBytes, key, true, false); // first max < key
    }
    for (int i = from; i < to; i++) {
      candidates.set(pages[i]);
    }
  }

  /** Ascending array: first index with a[i] >= bound. */
  private static int firstLong(long[] a, long bound) {
    int lo = 0;
    int hi = a.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (a[mid] >= bound) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }

  /** Descending array: first index with a[i] <= bound. */
  private static int firstLongDesc(long[] a, long bound) {
    int lo = 0;
    int hi = a.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (a[mid] <= bound) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }

  /**
   * Ascending array: first index with a[i] >= key ({@code strict} false) or a[i] > key (true).
   * Descending array: first index with a[i] <= key (false) or a[i] < key (true).
   */
  private static int firstBytes(byte[][] a, byte[] key, boolean strict, boolean ascending) {
    int lo = 0;
    int hi = a.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      int c = Arrays.compareUnsigned(a[mid], key);
      boolean hit = ascending ? (strict ? c > 0 : c >= 0) : (strict ? c < 0 : c <= 0);
      if (hit) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }

  long heapBytes() {
    long bytes = 64 + 16 + pages.length * 4L + 16 + unboundedPages.length * 4L;
    if (minLongs != null) {
      bytes += 32 + pages.length * 16L;
    } else {
      bytes += 32 + pages.length * 8L;
      for (int i = 0; i < pages.length; i++) {
        bytes += 32 + minBytes[i].length + maxBytes[i].length;
      }
    }
    return bytes;
  }
}
