package io.needle.metadata;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Walked {@link PageTable}s kept in the {@link DerivedStore}, so that a chunk's page headers are
 * walked once per file version, not once per process. Each is checked against the chunk it
 * describes when read back: a record that does not describe a plausible page table of exactly that
 * chunk reads as absent (and the chunk is walked again).
 *
 * <pre>
 *   int MAGIC, int pages, long dictionaryOffset, int dictionaryLength,
 *   then per page: long offset, int length, long firstRow
 * </pre>
 */
final class StoredPageTables {
  private static final int MAGIC = 0x4E505431; // "NPT1"
  private static final int HEADER_BYTES = 20;
  private static final int PAGE_BYTES = 20;

  private StoredPageTables() {}

  /** The derived-store id of a chunk's page table: its chunk slot. */
  static long id(FileMetadata file, int rowGroup, int leaf) {
    return (long) rowGroup * file.leafCount() + leaf;
  }

  /** The chunk's page table from the store, published into {@code file}; null when not there. */
  static PageTable load(DerivedStore store, FileMetadata file, int rowGroup, int leaf) {
    PageTable table = decode(store.load(file.version, id(file, rowGroup, leaf)), file.chunk(rowGroup, leaf),
        file.rowGroupRows[rowGroup]);
    if (table != null) {
      file.publishPageTable(rowGroup, leaf, table);
    }
    return table;
  }

  /** Walks the chunk's page headers (key bounds too when {@code wantBounds}), publishes and stores the table. */
  static PageHeaderWalker.Walked walk(DerivedStore store, FileSource source, FileMetadata file, int rowGroup, int leaf,
      boolean wantBounds) throws java.io.IOException, ParquetException {
    PageHeaderWalker.Walked walked = PageHeaderWalker.walk(source, file.leaves[leaf], file.chunk(rowGroup, leaf), rowGroup,
        wantBounds);
    file.publishPageTable(rowGroup, leaf, walked.table());
    if (file.pageTable(rowGroup, leaf) == walked.table()) { // not when an offset index had given one
      store.save(file.version, id(file, rowGroup, leaf), encode(walked.table()));
    }
    return walked;
  }

  static byte[] encode(PageTable table) {
    int n = table.pageCount();
    ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + n * PAGE_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(MAGIC).putInt(n).putLong(table.dictionaryOffset).putInt(table.dictionaryLength);
    for (int p = 0; p < n; p++) {
      b.putLong(table.offsets[p]).putInt(table.lengths[p]).putLong(table.firstRows[p]);
    }
    return b.array();
  }

  /** The table, or null when {@code bytes} is not a page table of {@code chunk}. */
  static PageTable decode(byte[] bytes, ChunkMeta chunk, long rowGroupRows) {
    if (bytes == null || bytes.length < HEADER_BYTES) {
      return null;
    }
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int n = b.getInt(4);
    if (b.getInt(0) != MAGIC || n < 0 || bytes.length != HEADER_BYTES + (long) n * PAGE_BYTES) {
      return null;
    }
    long dictionaryOffset = b.getLong(8);
    int dictionaryLength = b.getInt(16);
    long end = chunk.start;
    if (dictionaryOffset != PageTable.NO_DICTIONARY) {
      if (dictionaryOffset != chunk.start || dictionaryLength <= 0 || dictionaryOffset + dictionaryLength > chunk.end) {
        return null;
      }
      end = dictionaryOffset + dictionaryLength;
    }
    long[] offsets = new long[n];
    int[] lengths = new int[n];
    long[] firstRows = new long[n];
    long lastFirstRow = 0;
    for (int p = 0; p < n; p++) {
      int at = HEADER_BYTES + p * PAGE_BYTES;
      offsets[p] = b.getLong(at);
      lengths[p] = b.getInt(at + 8);
      firstRows[p] = b.getLong(at + 12);
      boolean rowOk = p == 0 ? firstRows[p] == 0
          : firstRows[p] == -1 || (firstRows[p] >= lastFirstRow && firstRows[p] <= rowGroupRows);
      if (offsets[p] < end || lengths[p] <= 0 || offsets[p] + lengths[p] > chunk.end || !rowOk) {
        return null;
      }
      end = offsets[p] + lengths[p];
      lastFirstRow = Math.max(lastFirstRow, firstRows[p]);
    }
    return new PageTable(dictionaryOffset, dictionaryLength, offsets, lengths, firstRows);
  }
}
