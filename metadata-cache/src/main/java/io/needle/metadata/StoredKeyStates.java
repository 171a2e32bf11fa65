package io.needle.metadata;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A key column's {@link KeyColumnState} kept in the {@link DerivedStore}, so that a restarted
 * process (or one whose metadata cache dropped the file) finds the page key bounds it derived by
 * walking the key column's page headers, or read from its column indexes, and the bloom filters
 * it read, instead of reading the source again: after {@code kill -9} a file whose key column has
 * no page index costs its footer and nothing more before its stored pages answer.
 *
 * <p>Two kinds of record per key column, under ids above the page tables' (chunk slots, which a
 * footer of at most a few hundred MB keeps far below {@link #SLOT_LIMIT}): the bounds of every
 * row group in one record, and one record per row group's bloom filter (filters run to a MiB
 * each; one record each keeps a record below a region). A record that does not describe exactly
 * this column's chunks (page counts, page numbers, bound widths) reads as absent and the state is
 * derived again.
 *
 * <pre>
 *   bounds: int MAGIC, int rowGroups, then per row group:
 *     byte kind (0 none, 1 longs, 2 bytes), byte order, int pageCount, int bounded, int unbounded,
 *     int[bounded] pages, int[unbounded] unboundedPages,
 *     per bounded page: long min, long max (kind 1) or int length, bytes, int length, bytes (kind 2)
 *   bloom: int MAGIC, bitset
 * </pre>
 */
final class StoredKeyStates {
  /** Ids below this are chunk slots (page tables). */
  static final long SLOT_LIMIT = 1L << 38;
  private static final int BOUNDS_MAGIC = 0x4E4B4231; // "NKB1"
  private static final int BLOOM_MAGIC = 0x4E424631; // "NBF1"
  private static final byte NONE = 0;
  private static final byte LONGS = 1;
  private static final byte BYTES = 2;

  private StoredKeyStates() {}

  static long boundsId(int leaf) {
    return SLOT_LIMIT + leaf;
  }

  static long bloomId(FileMetadata file, int rowGroup, int leaf) {
    return 2 * SLOT_LIMIT + StoredPageTables.id(file, rowGroup, leaf);
  }

  /**
   * The stored bounds of every row group of the key column {@code leaf}, or null when not stored
   * or not valid for this file. Needs each chunk's page table: taken from {@code file}, else from
   * the store (and published); null when one is in neither.
   */
  static KeyPageBounds[] loadBounds(DerivedStore store, FileMetadata file, int leaf) {
    if (StoredPageTables.id(file, file.rowGroupCount() - 1, file.leafCount() - 1) >= SLOT_LIMIT) {
      return null;
    }
    byte[] bytes = store.load(file.version, boundsId(leaf));
    if (bytes == null) {
      return null;
    }
    int[] pageCounts = new int[file.rowGroupCount()];
    for (int rg = 0; rg < pageCounts.length; rg++) {
      PageTable table = file.pageTable(rg, leaf);
      if (table == null) {
        table = StoredPageTables.load(store, file, rg, leaf);
      }
      if (table == null) {
        return null;
      }
      pageCounts[rg] = table.pageCount();
    }
    return decodeBounds(bytes, file.leaves[leaf], pageCounts);
  }

  static void saveBounds(DerivedStore store, FileMetadata file, int leaf, KeyPageBounds[] bounds) {
    int[] pageCounts = new int[bounds.length];
    for (int rg = 0; rg < bounds.length; rg++) {
      PageTable table = file.pageTable(rg, leaf);
      if (table == null) {
        return; // a bound without its table could not be checked when read back
      }
      pageCounts[rg] = table.pageCount();
    }
    if (StoredPageTables.id(file, file.rowGroupCount() - 1, file.leafCount() - 1) < SLOT_LIMIT) {
      store.save(file.version, boundsId(leaf), encodeBounds(bounds, pageCounts));
    }
  }

  /** The stored bloom filter of a chunk, or null. */
  static SplitBlockBloomFilter loadBloom(DerivedStore store, FileMetadata file, int rowGroup, int leaf) {
    if (StoredPageTables.id(file, rowGroup, leaf) >= SLOT_LIMIT) {
      return null;
    }
    byte[] bytes = store.load(file.version, bloomId(file, rowGroup, leaf));
    if (bytes == null || bytes.length < 4 + SplitBlockBloomFilter.BYTES_PER_BLOCK
        || ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt(0) != BLOOM_MAGIC) {
      return null;
    }
    try {
      return new SplitBlockBloomFilter(java.util.Arrays.copyOfRange(bytes, 4, bytes.length));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  static void saveBloom(DerivedStore store, FileMetadata file, int rowGroup, int leaf, byte[] bitset) {
    if (StoredPageTables.id(file, rowGroup, leaf) >= SLOT_LIMIT) {
      return;
    }
    ByteBuffer b = ByteBuffer.allocate(4 + bitset.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(BLOOM_MAGIC).put(bitset);
    store.save(file.version, bloomId(file, rowGroup, leaf), b.array());
  }

  static byte[] encodeBounds(KeyPageBounds[] bounds, int[] pageCounts) {
    int size = 8;
    for (KeyPageBounds k : bounds) {
      size += 14;
      if (k != null) {
        size += 4 * (k.pages.length + k.unboundedPages.length);
        if (k.minLongs != null) {
          size += 16 * k.pages.length;
        } else {
          for (int i = 0; i < k.pages.length; i++) {
            size += 8 + k.minBytes[i].length + k.maxBytes[i].length;
          }
        }
      }
    }
    ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(BOUNDS_MAGIC).putInt(bounds.length);
    for (int rg = 0; rg < bounds.length; rg++) {
      KeyPageBounds k = bounds[rg];
      if (k == null) {
        b.put(NONE).put((byte) 0).putInt(pageCounts[rg]).putInt(0).putInt(0);
        continue;
      }
      b.put(k.minLongs != null ? LONGS : BYTES).put((byte) k.order.ordinal()).putInt(pageCounts[rg])
          .putInt(k.pages.length).putInt(k.unboundedPages.length);
      for (int p : k.pages) {
        b.putInt(p);
      }
      for (int p : k.unboundedPages) {
        b.putInt(p);
      }
      for (int i = 0; i < k.pages.length; i++) {
        if (k.minLongs != null) {
          b.putLong(k.minLongs[i]).putLong(k.maxLongs[i]);
        } else {
          b.putInt(k.minBytes[i].length).put(k.minBytes[i]).putInt(k.maxBytes[i].length).put(k.maxBytes[i]);
        }
      }
    }
    return b.array();
  }

  /** The bounds, or null when {@code bytes} are not bounds of chunks with {@code pageCounts} pages. */
  static KeyPageBounds[] decodeBounds(byte[] bytes, LeafColumn leaf, int[] pageCounts) {
    try {
      ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
      if (b.getInt() != BOUNDS_MAGIC || b.getInt() != pageCounts.length) {
        return null;
      }
      boolean longKeys = leaf.type() == LeafColumn.PhysicalType.INT32 || leaf.type() == LeafColumn.PhysicalType.INT64;
      KeyPageBounds.Order[] orders = KeyPageBounds.Order.values();
      KeyPageBounds[] out = new KeyPageBounds[pageCounts.length];
      for (int rg = 0; rg < out.length; rg++) {
        byte kind = b.get();
        int order = b.get();
        int pageCount = b.getInt();
        int bounded = b.getInt();
        int open = b.getInt();
        if (pageCount != pageCounts[rg] || order < 0 || order >= orders.length || bounded < 0 || open < 0
            || (long) bounded + open > pageCount) {
          return null;
        }
        if (kind == NONE) {
          if (bounded != 0 || open != 0) {
            return null;
          }
          continue;
        }
        if (kind != (longKeys ? LONGS : BYTES)) {
          return null;
        }
        int[] pages = pageNumbers(b, bounded, pageCount);
        int[] unbounded = pageNumbers(b, open, pageCount);
        if (pages == null || unbounded == null) {
          return null;
        }
        if (longKeys) {
          long[] mins = new long[bounded];
          long[] maxs = new long[bounded];
          for (int i = 0; i < bounded; i++) {
            mins[i] = b.getLong();
            maxs[i] = b.getLong();
          }
          out[rg] = KeyPageBounds.ofLongs(pages, mins, maxs, unbounded, orders[order]);
        } else {
          byte[][] mins = new byte[bounded][];
          byte[][] maxs = new byte[bounded][];
          for (int i = 0; i < bounded; i++) {
            mins[i] = lengthPrefixed(b);
            maxs[i] = lengthPrefixed(b);
            if (!StatsValues.wellFormed(leaf, mins[i]) || !StatsValues.wellFormed(leaf, maxs[i])) {
              return null;
            }
          }
          out[rg] = KeyPageBounds.ofBytes(pages, mins, maxs, unbounded, orders[order]);
        }
      }
      return b.hasRemaining() ? null : out;
    } catch (BufferUnderflowException | NegativeArraySizeException | IllegalArgumentException e) {
      return null;
    }
  }

  /** {@code n} ascending page numbers below {@code pageCount}, or null. */
  private static int[] pageNumbers(ByteBuffer b, int n, int pageCount) {
    if ((long) n * 4 > b.remaining()) {
      return null;
    }
    int[] pages = new int[n];
    for (int i = 0; i < n; i++) {
      pages[i] = b.getInt();
      if (pages[i] < 0 || pages[i] >= pageCount || (i > 0 && pages[i] <= pages[i - 1])) {
        return null;
      }
    }
    return pages;
  }

  private static byte[] lengthPrefixed(ByteBuffer b) {
    int length = b.getInt();
    if (length < 0 || length > b.remaining()) {
      throw new BufferUnderflowException();
    }
    byte[] out = new byte[length];
    b.get(out);
    return out;
  }
}
