package io.needle.decode;

import io.needle.protocol.proto.Codec;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.impl.ColumnReaderImpl;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.PrimitiveConverter;

/**
 * Reads every value of a run of data pages of one non-repeated leaf column, in row order, with
 * the same page parsing, decompression and parquet-column readers as lookups use: for building
 * an index over a whole column (the worker's key index). Nulls are skipped but keep their row.
 */
public final class ColumnScan {
  private static final PrimitiveConverter NO_CONVERTER = new PrimitiveConverter() {};

  /** Receives the non-null values with their row, relative to the run's first page. */
  public interface Sink {
    void int32(long row, int value);

    void int64(long row, long value);

    /** BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY; {@code value} is valid only during the call. */
    void binary(long row, Binary value);
  }

  private ColumnScan() {}

  /**
   * @param dictionary the chunk's dictionary page (header and body), or null
   * @param dataPages consecutive data pages of the chunk (header and body each), the first
   *     starting a row
   * @param createdBy the file's created_by, for parquet's writer-bug workarounds (may be null)
   * @return rows read
   */
  public static long scan(Codec codec, ColumnDescriptor column, String createdBy, ByteBuffer dictionary,
      List<ByteBuffer> dataPages, Sink sink) throws DecodeException {
    if (column.getMaxRepetitionLevel() > 0) {
      throw new IllegalArgumentException("repeated column " + String.join(".", column.getPath()) + ": rows are not values");
    }
    List<ColumnPageReader.Entry> entries = new ArrayList<>(dataPages.size());
    long values = 0;
    for (int i = 0; i < dataPages.size(); i++) {
      ParsedPage page = ParsedPage.parse(i, dataPages.get(i));
      if (!page.isData()) {
        throw new DecodeException(DecodeException.Kind.CORRUPT, "page " + i + " of the run is a " + page.type()
            + " page, not a data page");
      }
      values += page.valueCount();
      entries.add(new ColumnPageReader.Entry(page, -1, 0));
    }
    if (values == 0) {
      return 0;
    }
    try {
      DictionaryPage dictionaryPage = dictionary == null ? null : ParsedPage.parse(-1, dictionary).dictionaryPage(codec);
      ColumnReaderImpl reader = new ColumnReaderImpl(column,
          new ColumnPageReader(codec, column, dictionaryPage, entries, values, false), NO_CONVERTER,
          RowGroupDecoder.parseVersion(createdBy));
      int maxDefinition = column.getMaxDefinitionLevel();
      for (long row = 0; row < values; row++) {
        if (reader.getCurrentDefinitionLevel() == maxDefinition) {
          switch (column.getPrimitiveType().getPrimitiveTypeName()) {
            case INT32 -> sink.int32(row, reader.getInteger());
            case INT64 -> sink.int64(row, reader.getLong());
            case BINARY, FIXED_LEN_BYTE_ARRAY -> sink.binary(row, reader.getBinary());
            default -> throw new IllegalArgumentException("column " + String.join(".", column.getPath()) + " of type "
                + column.getPrimitiveType().getPrimitiveTypeName() + " is not scanned");
          }
        }
        reader.consume();
      }
    } catch (ColumnPageReader.DecodeFailure e) {
      throw e.decodeException();
    } catch (IllegalArgumentException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new DecodeException(DecodeException.Kind.CORRUPT, "column " + String.join(".", column.getPath())
          + " does not decode: " + e, e);
    }
    return values;
  }
}
