package io.needle.client.internal;

import io.needle.protocol.proto.Codec;
import org.apache.parquet.column.page.DataPage;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.page.PageReader;
import org.apache.parquet.schema.PrimitiveType;

import java.util.List;

/**
 * Feeds parquet's column readers the data pages of one leaf (or one contiguous run of them),
 * decompressing each page only when the reader asks for it. A page with a known first row
 * carries it and its row count, which {@code SynchronizingColumnReader} needs to skip to the
 * wanted rows; the row count may overestimate (the reader then stops at the page's last value).
 *
 * <p>Decode failures travel out of parquet's reader as {@link DecodeFailure} and are unwrapped by
 * {@link RowGroupDecoder}. Not thread-safe.
 */
final class ColumnPageReader implements PageReader {
  record Entry(ParsedPage page, long firstRow, int rowCount) {}

  private final Codec codec;
  private final PrimitiveType type;
  private final DictionaryPage dictionary;
  private final List<Entry> pages;
  private final long totalValues;
  private int next;

  ColumnPageReader(Codec codec, PrimitiveType type, DictionaryPage dictionary, List<Entry> pages, long totalValues) {
    this.codec = codec;
    this.type = type;
    this.dictionary = dictionary;
    this.pages = pages;
    this.totalValues = totalValues;
  }

  @Override
  public DictionaryPage readDictionaryPage() {
    return dictionary;
  }

  @Override
  public long getTotalValueCount() {
    return totalValues;
  }

  @Override
  public DataPage readPage() {
    if (next >= pages.size()) {
      throw new DecodeFailure(new DecodeException(DecodeException.Kind.CORRUPT,
          "a column needs more values than its " + pages.size() + " pages hold"));
    }
    Entry entry = pages.get(next++);
    try {
      return entry.page().dataPage(codec, type, entry.firstRow(), entry.rowCount());
    } catch (DecodeException e) {
      throw new DecodeFailure(e);
    }
  }

  /** Carries a {@link DecodeException} through parquet's reader, which only lets unchecked ones out. */
  static final class DecodeFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    DecodeFailure(DecodeException cause) {
      super(cause.getMessage(), cause, false, false);
    }

    DecodeException decodeException() {
      return (DecodeException) getCause();
    }
  }
}
