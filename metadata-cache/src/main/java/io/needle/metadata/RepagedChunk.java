package io.needle.metadata;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import org.apache.parquet.format.CompressionCodec;

/**
 * A column chunk rewritten by the worker into small pages that live in its page store, not in the
 * file: what the planner serves in place of the chunk's own pages once published with
 * {@link MetadataCache#publishRepaged}.
 *
 * <p>Page offsets are addresses in the page store's namespace for the file version (the worker
 * picks them so that they can never equal a real file offset); the planner treats them like
 * file offsets, and the worker resolves them from the store. Every page starts at a row boundary,
 * so every first row is known. The chunk has no dictionary page: its pages are self-contained.
 *
 * <p>{@code keyMins} / {@code keyMaxs} hold each page's PLAIN-encoded min and max value (null
 * entries: unknown), as page statistics do; they narrow the key pages when the column is a lookup
 * key, and may be null altogether. Immutable; the constructor copies nothing, so callers hand
 * their arrays over.
 */
public final class RepagedChunk {
  final int rowGroup;
  final int leaf;
  final CompressionCodec codec;
  final long[] offsets;
  final int[] lengths;
  final long[] firstRows;
  final byte[][] keyMins;
  final byte[][] keyMaxs;

  /**
   * @param codec the pages' compression codec, as the Parquet format names it
   * @param firstRows row (within the row group) each page starts at: 0 first, strictly ascending
   */
  public RepagedChunk(int rowGroup, int leaf, CompressionCodec codec, long[] offsets, int[] lengths, long[] firstRows,
      byte[][] keyMins, byte[][] keyMaxs) {
    this.rowGroup = rowGroup;
    this.leaf = leaf;
    this.codec = requireNonNull(codec, "codec is null");
    this.offsets = requireNonNull(offsets, "offsets is null");
    this.lengths = requireNonNull(lengths, "lengths is null");
    this.firstRows = requireNonNull(firstRows, "firstRows is null");
    this.keyMins = keyMins;
    this.keyMaxs = keyMaxs;
    int n = offsets.length;
    if (n == 0 || lengths.length != n || firstRows.length != n
        || (keyMins != null && keyMins.length != n) || (keyMaxs == null) != (keyMins == null)
        || (keyMaxs != null && keyMaxs.length != n)) {
      throw new IllegalArgumentException("a repaged chunk needs one offset, length, first row (and key bounds) per page: "
          + n + " offsets, " + lengths.length + " lengths, " + firstRows.length + " first rows");
    }
    if (firstRows[0] != 0) {
      throw new IllegalArgumentException("the first page must start at row 0, not " + firstRows[0]);
    }
    for (int i = 0; i < n; i++) {
      if (lengths[i] <= 0 || offsets[i] < 0 || (i > 0 && (offsets[i] <= offsets[i - 1] || firstRows[i] <= firstRows[i - 1]))) {
        throw new IllegalArgumentException("page " + i + " of a repaged chunk is out of order or empty");
      }
    }
  }

  public int rowGroup() {
    return rowGroup;
  }

  public int leaf() {
    return leaf;
  }

  public CompressionCodec codec() {
    return codec;
  }

  public int pageCount() {
    return offsets.length;
  }

  public long offset(int page) {
    return offsets[page];
  }

  public int length(int page) {
    return lengths[page];
  }

  public long firstRow(int page) {
    return firstRows[page];
  }

  /** The page's PLAIN-encoded minimum, or null when unknown; shared, never modify it. */
  public byte[] keyMin(int page) {
    return keyMins == null ? null : keyMins[page];
  }

  /** The page's PLAIN-encoded maximum, or null when unknown; shared, never modify it. */
  public byte[] keyMax(int page) {
    return keyMaxs == null ? null : keyMaxs[page];
  }

  /** Bytes of all pages together. */
  public long totalBytes() {
    long sum = 0;
    for (int length : lengths) {
      sum += length;
    }
    return sum;
  }

  PageTable table() {
    return new PageTable(PageTable.NO_DICTIONARY, 0, offsets, lengths, firstRows);
  }

  @Override
  public String toString() {
    return "RepagedChunk[row group " + rowGroup + ", leaf " + leaf + ", " + offsets.length + " " + codec + " pages, "
        + totalBytes() + " bytes, first rows " + Arrays.toString(Arrays.copyOf(firstRows, Math.min(4, firstRows.length)))
        + "...]";
  }
}
