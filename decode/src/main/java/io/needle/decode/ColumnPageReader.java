package io.needle.decode;

import io.needle.protocol.proto.Codec;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.page.DataPage;
import org.apache.parquet.column.page.DataPageV2;
import org.apache.parquet.column.statistics.Statistics;
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
  private final boolean emptyPageAtEnd;
  private final int maxRepetitionLevel;
  private final int maxDefinitionLevel;
  private int next;
  private boolean exhausted;

  /**
   * @param emptyPageAtEnd when the reader asks for a page past the last one, answer once with a
   *     one-row terminal page instead of failing (see {@link TargetRows}: synchronizing readers
   *     may ask)
   */
  ColumnPageReader(Codec codec, ColumnDescriptor column, DictionaryPage dictionary, List<Entry> pages, long totalValues,
      boolean emptyPageAtEnd) {
    this.codec = codec;
    this.type = column.getPrimitiveType();
    this.maxRepetitionLevel = column.getMaxRepetitionLevel();
    this.maxDefinitionLevel = column.getMaxDefinitionLevel();
    this.dictionary = dictionary;
    this.pages = pages;
    this.totalValues = totalValues;
    this.emptyPageAtEnd = emptyPageAtEnd;
  }

  /** True once the reader asked for a page past the last one. */
  boolean exhausted() {
    return exhausted;
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
    if (next >= pages.size() && emptyPageAtEnd && !exhausted) {
      exhausted = true;
      Entry last = pages.get(pages.size() - 1);
      return terminalPage(last.firstRow() < 0 ? Long.MAX_VALUE / 2 : last.firstRow() + last.rowCount());
    }
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

  /**
   * One row past the real pages, holding one value (parquet reads a value from every page it is
   * given before checking anything): a null where the column has definition levels, else one
   * PLAIN zero. The reader only ever skips it.
   */
  private DataPage terminalPage(long firstRow) {
    BytesInput oneZeroLevel = BytesInput.from(new byte[] {2, 0}); // RLE run: 1 value, level 0
    BytesInput rl = maxRepetitionLevel > 0 ? oneZeroLevel : BytesInput.empty();
    BytesInput dl = maxDefinitionLevel > 0 ? oneZeroLevel : BytesInput.empty();
    int valueBytes = 0;
    if (maxDefinitionLevel == 0) {
      valueBytes = switch (type.getPrimitiveTypeName()) {
        case BOOLEAN -> 1;
        case INT32, FLOAT, BINARY -> 4; // BINARY: a zero length prefix
        case INT64, DOUBLE -> 8;
        case INT96 -> 12;
        case FIXED_LEN_BYTE_ARRAY -> type.getTypeLength();
      };
    }
    return DataPageV2.uncompressed(1, maxDefinitionLevel > 0 ? 1 : 0, 1, firstRow, rl, dl, Encoding.PLAIN,
        BytesInput.from(new byte[valueBytes]), Statistics.getBuilderForReading(type).build());
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
