package io.needle.metadata;

import io.needle.metadata.LeafColumn.PhysicalType;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import org.apache.parquet.format.DataPageHeader;
import org.apache.parquet.format.DataPageHeaderV2;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.Statistics;
import org.apache.parquet.format.Util;

/**
 * Derives a chunk's {@link PageTable} (and, for a key column, per-page key bounds from page
 * header statistics) by walking its page headers, for files written without an offset index.
 *
 * <p>Reads the chunk in windows of {@link #WINDOW_BYTES} and parses every header that falls in
 * the window; bodies are skipped by {@code compressed_page_size} (which, unlike the offset
 * index's size, excludes the header). After a page larger than the window, the next read is a
 * small one, since only a header is wanted. A header cut by the window's end is re-read with a
 * larger window, up to {@link #MAX_HEADER_BYTES}.
 *
 * <p>First rows: a non-repeated column's v1 page holds {@code num_values} rows; a v2 page says
 * {@code num_rows}; a repeated column's v1 page gives no row count, so from there on first rows
 * are -1 ("continues the previous page"). Blocking; runs on the loader executor. Stateless.
 */
final class PageHeaderWalker {
  static final int WINDOW_BYTES = 256 << 10;
  static final int SMALL_WINDOW_BYTES = 16 << 10;
  static final int MAX_HEADER_BYTES = 16 << 20;

  private PageHeaderWalker() {}

  record Walked(PageTable table, KeyPageBounds bounds) {}

  static Walked walk(FileSource source, LeafColumn leaf, ChunkMeta chunk, int rowGroup, boolean wantBounds)
      throws IOException, ParquetException {
    FileVersion version = source.version();
    String where = "chunk of " + leaf.path() + " in row group " + rowGroup;
    LongList offsets = new LongList();
    LongList firstRows = new LongList();
    IntList lengths = new IntList();
    long dictionaryOffset = PageTable.NO_DICTIONARY;
    int dictionaryLength = 0;
    boolean rowsKnown = true;
    long rows = 0;
    // key bounds per data page: null entries = unknown, NULL_PAGE marks an all-null page
    java.util.ArrayList<byte[]> mins = new java.util.ArrayList<>();
    java.util.ArrayList<byte[]> maxs = new java.util.ArrayList<>();

    byte[] buf = new byte[0];
    long bufStart = chunk.start;
    int nextWindow = WINDOW_BYTES;
    long pos = chunk.start;
    while (pos < chunk.end) {
      PageHeader header = null;
      int headerLength = 0;
      int window = nextWindow;
      while (header == null) {
        if (pos < bufStart || pos >= bufStart + buf.length) {
          buf = FooterReader.read(source, pos, (int) Math.min(chunk.end - pos, window));
          bufStart = pos;
        }
        int at = (int) (pos - bufStart);
        int available = buf.length - at;
        ByteArrayInputStream in = new ByteArrayInputStream(buf, at, available);
        try {
          header = Util.readPageHeader(in);
          headerLength = available - in.available();
        } catch (IOException | RuntimeException e) {
          // A header cut by the window's end: read again from pos, with a larger window if this
          // one was already full-sized. Corrupt once the bytes up to the chunk's end did not parse.
          if (bufStart + buf.length >= chunk.end || (available >= window && window >= MAX_HEADER_BYTES)) {
            throw Corruption.at(version, pos, "unparseable page header in " + where + ": " + e.getMessage(), e);
          }
          if (available >= window) {
            window = Math.min(MAX_HEADER_BYTES, window * 4);
          }
          buf = new byte[0];
        }
      }
      int compressed = header.getCompressed_page_size();
      long pageLength = (long) headerLength + compressed;
      if (compressed < 0 || pos + pageLength > chunk.end || pageLength > Integer.MAX_VALUE) {
        throw Corruption.at(version, pos, "page of " + compressed + " bytes overruns the end " + chunk.end + " of " + where);
      }
      nextWindow = pageLength > WINDOW_BYTES ? SMALL_WINDOW_BYTES : WINDOW_BYTES;
      if (header.getType() != null) {
        switch (header.getType()) {
          case DICTIONARY_PAGE -> {
            if (offsets.size > 0 || dictionaryOffset != PageTable.NO_DICTIONARY) {
              throw Corruption.at(version, pos, "dictionary page after the first page of " + where);
            }
            dictionaryOffset = pos;
            dictionaryLength = (int) pageLength;
          }
          case DATA_PAGE, DATA_PAGE_V2 -> {
            boolean v2 = header.getType() == org.apache.parquet.format.PageType.DATA_PAGE_V2;
            long pageRows;
            int numValues;
            Statistics stats;
            if (v2) {
              DataPageHeaderV2 h = header.getData_page_header_v2();
              if (h == null) {
                throw Corruption.at(version, pos, "v2 data page without its header in " + where);
              }
              pageRows = h.getNum_rows();
              numValues = h.getNum_values();
              stats = h.getStatistics();
            } else {
              DataPageHeader h = header.getData_page_header();
              if (h == null) {
                throw Corruption.at(version, pos, "data page without its header in " + where);
              }
              numValues = h.getNum_values();
              pageRows = leaf.repeated() ? -1 : numValues;
              stats = h.getStatistics();
            }
            if (numValues < 0 || (v2 && pageRows < 0)) {
              throw Corruption.at(version, pos, "data page with " + numValues + " values, " + pageRows + " rows in " + where);
            }
            offsets.add(pos);
            lengths.add((int) pageLength);
            firstRows.add(offsets.size == 1 ? 0 : rowsKnown ? rows : -1);
            if (pageRows < 0) {
              rowsKnown = false;
            } else {
              rows += pageRows;
            }
            if (wantBounds) {
              addBounds(leaf, stats, numValues, mins, maxs);
            }
          }
          default -> { } // index pages and unknown types: skipped
        }
      }
      pos += pageLength;
    }
    PageTable table = new PageTable(dictionaryOffset, dictionaryLength, offsets.toArray(), lengths.toArray(), firstRows.toArray());
    return new Walked(table, wantBounds ? bounds(leaf, mins, maxs) : null);
  }

  private static final byte[] NULL_PAGE = new byte[0];

  private static void addBounds(LeafColumn leaf, Statistics stats, int numValues, java.util.List<byte[]> mins, java.util.List<byte[]> maxs) {
    byte[] min = null;
    byte[] max = null;
    if (stats != null && leaf.order() != StatsOrder.UNKNOWN) {
      if (leaf.maxDefinitionLevel() > 0 && stats.isSetNull_count() && stats.getNull_count() == numValues) {
        mins.add(NULL_PAGE);
        maxs.add(NULL_PAGE);
        return;
      }
      min = leaf.order().min(stats);
      max = leaf.order().max(stats);
      if (!StatsValues.wellFormed(leaf, min) || !StatsValues.wellFormed(leaf, max)) {
        min = null;
        max = null;
      }
    }
    mins.add(min);
    maxs.add(max);
  }

  /** Bounds of pages whose min/max are well formed or null (unknown); null when none is known. */
  static KeyPageBounds bounds(LeafColumn leaf, java.util.List<byte[]> mins, java.util.List<byte[]> maxs) {
    int n = mins.size();
    int[] pages = new int[n];
    int[] unbounded = new int[n];
    int bounded = 0;
    int open = 0;
    for (int p = 0; p < n; p++) {
      byte[] min = mins.get(p);
      if (min == NULL_PAGE) {
        continue;
      }
      if (min == null) {
        unbounded[open++] = p;
      } else {
        pages[bounded++] = p;
      }
    }
    if (bounded == 0 && open == n) {
      return null; // nothing known: every page is a candidate
    }
    pages = Arrays.copyOf(pages, bounded);
    unbounded = Arrays.copyOf(unbounded, open);
    boolean longs = leaf.type() == PhysicalType.INT32 || leaf.type() == PhysicalType.INT64;
    if (longs) {
      long[] lo = new long[bounded];
      long[] hi = new long[bounded];
      for (int i = 0; i < bounded; i++) {
        lo[i] = StatsValues.decodeLong(leaf, mins.get(pages[i]));
        hi[i] = StatsValues.decodeLong(leaf, maxs.get(pages[i]));
      }
      return KeyPageBounds.ofLongs(pages, lo, hi, unbounded, KeyPageBounds.Order.ASCENDING);
    }
    byte[][] lo = new byte[bounded][];
    byte[][] hi = new byte[bounded][];
    for (int i = 0; i < bounded; i++) {
      lo[i] = mins.get(pages[i]);
      hi[i] = maxs.get(pages[i]);
    }
    return KeyPageBounds.ofBytes(pages, lo, hi, unbounded, KeyPageBounds.Order.ASCENDING);
  }

  /** Growable long array; avoids boxing while walking thousands of pages. */
  static final class LongList {
    long[] values = new long[16];
    int size;

    void add(long v) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = v;
    }

    long[] toArray() {
      return Arrays.copyOf(values, size);
    }
  }

  /** Growable int array. */
  static final class IntList {
    int[] values = new int[16];
    int size;

    void add(int v) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = v;
    }

    int[] toArray() {
      return Arrays.copyOf(values, size);
    }
  }
}
