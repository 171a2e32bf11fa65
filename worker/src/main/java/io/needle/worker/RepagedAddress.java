package io.needle.worker;

/**
 * Where re-paged pages live in the page store's offset space of their file version:
 *
 * <pre>
 *  bit 63: 0 | bit 62: 1 | bits 48..61: row group | bits 36..47: leaf | bits 0..35: byte offset
 * </pre>
 *
 * <p>Why bit 62: a real page offset lies inside its file, and no file is 4 EiB long, so an
 * address can never equal a real file offset; the same number names the page on the wire
 * ({@code PageSegment.file_offset}) and in suspect-page reports, and {@link #isRepaged} tells
 * which kind a reported page is. The byte offset counts through the chunk's re-paged pages (so a
 * chunk's pages are ascending, like a file's); its largest value names the chunk's page table.
 * Stored under the same version string as the file's pages, so {@code invalidateFile} drops them
 * too and a new version never sees them.
 */
final class RepagedAddress {
  private static final long FLAG = 1L << 62;
  private static final int OFFSET_BITS = 36;
  private static final int LEAF_BITS = 12;
  static final int MAX_ROW_GROUPS = 1 << 14;
  static final int MAX_LEAVES = 1 << LEAF_BITS;
  /** Byte offsets of pages stay below this; the value itself names the chunk's page table. */
  static final long TABLE_OFFSET = (1L << OFFSET_BITS) - 1;

  private RepagedAddress() {}

  static boolean fits(int rowGroup, int leaf) {
    return rowGroup >= 0 && rowGroup < MAX_ROW_GROUPS && leaf >= 0 && leaf < MAX_LEAVES;
  }

  static long page(int rowGroup, int leaf, long offset) {
    if (!fits(rowGroup, leaf) || offset < 0 || offset >= TABLE_OFFSET) {
      throw new IllegalArgumentException("no re-paged address for row group " + rowGroup + ", leaf " + leaf + ", offset " + offset);
    }
    return FLAG | (long) rowGroup << (OFFSET_BITS + LEAF_BITS) | (long) leaf << OFFSET_BITS | offset;
  }

  static long table(int rowGroup, int leaf) {
    return page(rowGroup, leaf, 0) | TABLE_OFFSET;
  }

  static boolean isRepaged(long address) {
    return address >= 0 && (address & FLAG) != 0;
  }

  static int rowGroup(long address) {
    return (int) ((address & ~FLAG) >>> (OFFSET_BITS + LEAF_BITS));
  }

  static int leaf(long address) {
    return (int) (address >>> OFFSET_BITS) & (MAX_LEAVES - 1);
  }
}
