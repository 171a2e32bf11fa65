package io.needle.metadata;

import io.needle.metadata.LeafColumn.PhysicalType;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.apache.parquet.column.values.bloomfilter.BlockSplitBloomFilter;
import org.apache.parquet.format.BloomFilterHeader;
import org.apache.parquet.format.BoundaryOrder;
import org.apache.parquet.format.ColumnIndex;
import org.apache.parquet.format.Util;

/**
 * Loads the key-only state of one leaf column for every row group at once, the first time the
 * column is used as a key: page bounds (column index, or page header statistics when the chunk
 * has no offset index and must be walked anyway) and bloom filters. The key column's column
 * indexes are fetched with one covering read when dense. What it derives goes to the
 * {@link DerivedStore} ({@link StoredKeyStates}) and is taken from there first, so a restarted
 * worker reads none of it from the source again. Blocking; loader executor only.
 */
final class KeyStateLoader {
  /** Bytes read ahead for a bloom filter header whose length the footer does not give. */
  private static final int BLOOM_HEADER_GUESS_BYTES = 64;

  private KeyStateLoader() {}

  static void load(FileSource source, FileMetadata file, int leafIndex, DerivedStore derived)
      throws IOException, ParquetException {
    if (file.keyStates.get(leafIndex) != null) {
      return;
    }
    int groups = file.rowGroupCount();
    KeyPageBounds[] bounds = StoredKeyStates.loadBounds(derived, file, leafIndex);
    if (bounds == null) {
      bounds = readBounds(source, file, leafIndex, derived);
      StoredKeyStates.saveBounds(derived, file, leafIndex, bounds);
    }
    SplitBlockBloomFilter[] blooms = new SplitBlockBloomFilter[groups];
    for (int rg = 0; rg < groups; rg++) {
      if (file.chunk(rg, leafIndex).hasBloomFilter()) {
        blooms[rg] = StoredKeyStates.loadBloom(derived, file, rg, leafIndex);
        if (blooms[rg] == null) {
          blooms[rg] = bloomFilter(source, file, rg, leafIndex, derived);
        }
      }
    }
    file.publishKeyState(leafIndex, new KeyColumnState(bounds, blooms));
  }

  /** Every row group's page bounds from the source: column indexes, or the walked page headers. */
  private static KeyPageBounds[] readBounds(FileSource source, FileMetadata file, int leafIndex, DerivedStore derived)
      throws IOException, ParquetException {
    LeafColumn leaf = file.leaves[leafIndex];
    int groups = file.rowGroupCount();
    KeyPageBounds[] bounds = new KeyPageBounds[groups];
    long lo = Long.MAX_VALUE;
    long hi = Long.MIN_VALUE;
    long sum = 0;
    for (int rg = 0; rg < groups; rg++) {
      ChunkMeta chunk = file.chunk(rg, leafIndex);
      if (chunk.hasColumnIndex() && file.pageTable(rg, leafIndex) != null) {
        lo = Math.min(lo, chunk.columnIndexOffset);
        hi = Math.max(hi, chunk.columnIndexOffset + chunk.columnIndexLength);
        sum += chunk.columnIndexLength;
      }
    }
    RangeBytes indexes = lo == Long.MAX_VALUE || leaf.order() == StatsOrder.UNKNOWN
        ? null
        : RangeBytes.covering(source, new FooterReader.Tail(new byte[0], 0), lo, hi, sum);

    for (int rg = 0; rg < groups; rg++) {
      ChunkMeta chunk = file.chunk(rg, leafIndex);
      PageTable table = file.pageTable(rg, leafIndex);
      if (table == null || !chunk.hasColumnIndex()) { // without a column index, the headers hold the bounds
        bounds[rg] = StoredPageTables.walk(derived, source, file, rg, leafIndex, true).bounds();
      } else if (chunk.hasColumnIndex() && indexes != null) {
        bounds[rg] = columnIndexBounds(source.version(), leaf, chunk, table, indexes.open(chunk.columnIndexOffset, chunk.columnIndexLength));
      }
    }
    return bounds;
  }

  private static KeyPageBounds columnIndexBounds(
      FileVersion version, LeafColumn leaf, ChunkMeta chunk, PageTable table, ByteArrayInputStream in)
      throws ParquetException {
    ColumnIndex index;
    try {
      index = Util.readColumnIndex(in);
    } catch (IOException | RuntimeException e) {
      throw Corruption.at(version, chunk.columnIndexOffset, "unparseable column index of " + leaf.path() + ": " + e.getMessage(), e);
    }
    int n = table.pageCount();
    List<Boolean> nullPages = index.getNull_pages();
    List<java.nio.ByteBuffer> mins = index.getMin_values();
    List<java.nio.ByteBuffer> maxs = index.getMax_values();
    if (nullPages == null || mins == null || maxs == null || nullPages.size() != n || mins.size() != n || maxs.size() != n) {
      throw Corruption.at(version, chunk.columnIndexOffset, "column index of " + leaf.path() + " does not describe the "
          + n + " pages of its offset index");
    }
    int[] pages = new int[n];
    int[] unbounded = new int[n];
    byte[][] lo = new byte[n][];
    byte[][] hi = new byte[n][];
    int bounded = 0;
    int open = 0;
    // A "null page" is only believed where the column can hold nulls: some writers emit column
    // indexes that mark every page of a REQUIRED column as null (corpus:
    // datapage_v1-corrupt-checksum.parquet); trusting them would lose every row.
    boolean nullable = leaf.maxDefinitionLevel() > 0;
    for (int p = 0; p < n; p++) {
      if (nullable && Boolean.TRUE.equals(nullPages.get(p))) {
        continue;
      }
      byte[] min = bytes(mins.get(p));
      byte[] max = bytes(maxs.get(p));
      if (StatsValues.wellFormed(leaf, min) && StatsValues.wellFormed(leaf, max)) {
        pages[bounded] = p;
        lo[bounded] = min;
        hi[bounded] = max;
        bounded++;
      } else {
        unbounded[open++] = p;
      }
    }
    KeyPageBounds.Order order = index.getBoundary_order() == BoundaryOrder.ASCENDING
        ? KeyPageBounds.Order.ASCENDING
        : index.getBoundary_order() == BoundaryOrder.DESCENDING ? KeyPageBounds.Order.DESCENDING : KeyPageBounds.Order.UNORDERED;
    pages = Arrays.copyOf(pages, bounded);
    unbounded = Arrays.copyOf(unbounded, open);
    if (leaf.type() == PhysicalType.INT32 || leaf.type() == PhysicalType.INT64) {
      long[] mn = new long[bounded];
      long[] mx = new long[bounded];
      for (int i = 0; i < bounded; i++) {
        mn[i] = StatsValues.decodeLong(leaf, lo[i]);
        mx[i] = StatsValues.decodeLong(leaf, hi[i]);
      }
      return KeyPageBounds.ofLongs(pages, mn, mx, unbounded, order);
    }
    return KeyPageBounds.ofBytes(pages, Arrays.copyOf(lo, bounded), Arrays.copyOf(hi, bounded), unbounded, order);
  }

  private static byte[] bytes(java.nio.ByteBuffer b) {
    if (b == null) {
      return null;
    }
    java.nio.ByteBuffer d = b.duplicate();
    byte[] out = new byte[d.remaining()];
    d.get(out);
    return out;
  }

  /**
   * The chunk's bloom filter, or null when it uses an algorithm, hash or compression this
   * version does not know (then it simply does not prune).
   */
  private static SplitBlockBloomFilter bloomFilter(FileSource source, FileMetadata file, int rg, int leafIndex,
      DerivedStore derived) throws IOException, ParquetException {
    ChunkMeta chunk = file.chunk(rg, leafIndex);
    LeafColumn leaf = file.leaves[leafIndex];
    FileVersion version = source.version();
    long dataEnd = version.sizeBytes() - 8; // footer checked at load: filters lie before it
    long offset = chunk.bloomFilterOffset;
    int guess = chunk.bloomFilterLength > 0 ? chunk.bloomFilterLength : BLOOM_HEADER_GUESS_BYTES;
    int length = (int) Math.min(guess, dataEnd - offset);
    byte[] head = FooterReader.read(source, offset, length);
    ByteArrayInputStream in = new ByteArrayInputStream(head);
    BloomFilterHeader header;
    try {
      header = Util.readBloomFilterHeader(in);
    } catch (IOException | RuntimeException e) {
      throw Corruption.at(version, offset, "unparseable bloom filter header of " + leaf.path() + " in row group " + rg + ": " + e.getMessage(), e);
    }
    int headerLength = length - in.available();
    int numBytes = header.getNumBytes();
    if (numBytes <= 0 || numBytes > BlockSplitBloomFilter.UPPER_BOUND_BYTES || offset + headerLength + (long) numBytes > dataEnd) {
      throw Corruption.at(version, offset, "bloom filter of " + numBytes + " bytes of " + leaf.path() + " in row group " + rg + " overruns the file");
    }
    if (header.getAlgorithm() == null || !header.getAlgorithm().isSetBLOCK()
        || header.getHash() == null || !header.getHash().isSetXXHASH()
        || header.getCompression() == null || !header.getCompression().isSetUNCOMPRESSED()) {
      return null;
    }
    byte[] bitset;
    if (headerLength + numBytes <= head.length) {
      bitset = Arrays.copyOfRange(head, headerLength, headerLength + numBytes);
    } else {
      bitset = FooterReader.read(source, offset + headerLength, numBytes);
    }
    try {
      SplitBlockBloomFilter filter = new SplitBlockBloomFilter(bitset);
      StoredKeyStates.saveBloom(derived, file, rg, leafIndex, bitset);
      return filter;
    } catch (RuntimeException e) {
      throw Corruption.at(version, offset, "bloom filter of " + leaf.path() + " in row group " + rg + " is malformed: " + e.getMessage(), e);
    }
  }
}
