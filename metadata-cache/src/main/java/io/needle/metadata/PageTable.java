package io.needle.metadata;

/**
 * Where the pages of one column chunk are: the dictionary page (if any) and the data pages in
 * file order, each with the row index (within the row group) of its first row.
 *
 * <p>Built either from the offset index or by walking the chunk's page headers. Lengths include
 * the page header. {@code firstRows[i] == -1} means "continues the previous page" (repeated
 * column, v1 pages, no offset index); {@link #firstRowsKnown} is false exactly then.
 * Immutable after construction; the arrays are never handed out to callers outside the package.
 */
final class PageTable {
  static final long NO_DICTIONARY = -1;

  final long dictionaryOffset;
  final int dictionaryLength;
  final long[] offsets;
  final int[] lengths;
  final long[] firstRows;
  final boolean firstRowsKnown;

  PageTable(long dictionaryOffset, int dictionaryLength, long[] offsets, int[] lengths, long[] firstRows) {
    this.dictionaryOffset = dictionaryOffset;
    this.dictionaryLength = dictionaryLength;
    this.offsets = offsets;
    this.lengths = lengths;
    this.firstRows = firstRows;
    boolean known = true;
    for (long r : firstRows) {
      known &= r >= 0;
    }
    this.firstRowsKnown = known;
  }

  int pageCount() {
    return offsets.length;
  }

  boolean hasDictionary() {
    return dictionaryOffset != NO_DICTIONARY;
  }

  PageRef dictionaryRef() {
    return hasDictionary() ? new PageRef(dictionaryOffset, dictionaryLength, -1) : null;
  }

  PageRef pageRef(int page) {
    return new PageRef(offsets[page], lengths[page], firstRows[page]);
  }

  /** First row after page {@code page}: the next page's first row, or the row group's row count. */
  long endRow(int page, long rowGroupRows) {
    return page + 1 < firstRows.length ? firstRows[page + 1] : rowGroupRows;
  }

  long heapBytes() {
    return 48 + 16L + offsets.length * 8L + 16 + lengths.length * 4L + 16 + firstRows.length * 8L;
  }
}
