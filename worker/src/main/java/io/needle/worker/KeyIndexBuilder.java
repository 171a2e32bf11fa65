package io.needle.worker;

import io.needle.decode.DecodeException;
import io.needle.metadata.KeyColumnLayout;
import io.needle.metadata.RowGroupPlan;
import io.needle.pagestore.PageStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.parquet.io.api.Binary;

/**
 * Builds the {@link KeyIndex} of one (file version, key column) in one pass over the key
 * column ({@link ColumnValues}: pages read in windows, decoded with the decode module's column
 * scan), every non-null key paired with its file-wide row, the
 * pairs sorted by (key64, row) and stored as blocks, the directory last. Deterministic: the same
 * version always gives the same bytes, so a rebuild over surviving blocks agrees with them.
 *
 * <p>Blocking, heavy (12 bytes of heap per row while it runs, the file's key column read once):
 * runs only on the worker's key-index executor, never on an event loop or the loader.
 */
final class KeyIndexBuilder {
  /** Files with more rows are not indexed (their build would hold 12 bytes per row of heap). */
  static final long MAX_INDEXED_ROWS = 32L << 20;

  private KeyIndexBuilder() {}

  /** The stored index, or null when the file is too large to index or the store declined a record. */
  static KeyIndex build(KeyColumnLayout layout, OpenFile file, String keyColumn, PageStore store, KeyIndex.ByteHash hash)
      throws IOException, DecodeException, ServiceException {
    long rows = 0;
    for (RowGroupPlan rg : layout.rowGroups()) {
      rows += rg.rowCount();
    }
    if (rows > Math.min(MAX_INDEXED_ROWS, KeyIndex.MAX_ROWS)) {
      return null;
    }
    Pairs pairs = new Pairs((int) rows);
    boolean integers = layout.integerKeys();
    ColumnValues.scan(layout, file, new ColumnValues.Sink() {
      @Override
      public void int64(long fileRow, long value, boolean int32) {
        pairs.add(layout.normalise(value, int32), fileRow);
      }

      @Override
      public void binary(long fileRow, Binary value) {
        pairs.add(hash.function().applyAsLong(value.getBytesUnsafe()), fileRow);
      }
    });
    pairs.sort();
    int hashKind = integers ? 0 : hash.id();
    String version = PageCache.versionKey(layout.version());
    int blocks = (int) ((pairs.size + KeyIndex.BLOCK_ENTRIES - 1) / KeyIndex.BLOCK_ENTRIES);
    long[] fences = new long[blocks];
    for (int b = 0; b < blocks; b++) {
      int from = b * KeyIndex.BLOCK_ENTRIES;
      int count = Math.min(KeyIndex.BLOCK_ENTRIES, pairs.size - from);
      ByteBuffer block = ByteBuffer.allocate(8 + 12 * count).order(java.nio.ByteOrder.LITTLE_ENDIAN);
      block.putInt(0, KeyIndex.BLOCK_MAGIC).putInt(4, count);
      for (int e = 0; e < count; e++) {
        block.putLong(8 + 8 * e, pairs.keys[from + e]);
        block.putInt(8 + 8 * count + 4 * e, (int) pairs.rows[from + e]);
      }
      fences[b] = pairs.keys[from];
      if (!store.put(KeyIndex.recordKey(version, keyColumn, b + 1), block)) {
        return null;
      }
    }
    if (!store.put(KeyIndex.recordKey(version, keyColumn, 0), KeyIndex.directory(keyColumn, hashKind, pairs.size, rows, fences))) {
      return null;
    }
    return new KeyIndex(store, version, keyColumn, hashKind, hash.function(), pairs.size, fences);
  }

  /** (key64, row) pairs in two parallel arrays, sorted by key then row. */
  static final class Pairs {
    final long[] keys;
    final int[] rows;
    int size;

    Pairs(int capacity) {
      keys = new long[capacity];
      rows = new int[capacity];
    }

    void add(long key, long row) {
      if (size == keys.length) {
        throw new IllegalStateException("more key values than rows: the file's row counts are wrong");
      }
      keys[size] = key;
      rows[size++] = (int) row;
    }

    void sort() {
      sort(0, size - 1);
    }

    private boolean less(int a, int b) {
      return keys[a] < keys[b] || (keys[a] == keys[b] && Integer.compareUnsigned(rows[a], rows[b]) < 0);
    }

    /** Quicksort on the pairs (median of three, insertion sort for short ranges, recursion on the smaller side). */
    private void sort(int lo, int hi) {
      while (hi - lo > 16) {
        int mid = (lo + hi) >>> 1;
        if (less(mid, lo)) {
          swap(mid, lo);
        }
        if (less(hi, lo)) {
          swap(hi, lo);
        }
        if (less(hi, mid)) {
          swap(hi, mid);
        }
        swap(mid, hi - 1);
        int pivot = hi - 1;
        int i = lo;
        int j = hi - 1;
        for (;;) {
          while (less(++i, pivot)) { }
          while (less(pivot, --j)) { }
          if (i >= j) {
            break;
          }
          swap(i, j);
        }
        swap(i, hi - 1);
        if (i - lo < hi - i) {
          sort(lo, i - 1);
          lo = i + 1;
        } else {
          sort(i + 1, hi);
          hi = i - 1;
        }
      }
      for (int i = lo + 1; i <= hi; i++) {
        for (int j = i; j > lo && less(j, j - 1); j--) {
          swap(j, j - 1);
        }
      }
    }

    private void swap(int a, int b) {
      long k = keys[a];
      keys[a] = keys[b];
      keys[b] = k;
      int r = rows[a];
      rows[a] = rows[b];
      rows[b] = r;
    }
  }
}
