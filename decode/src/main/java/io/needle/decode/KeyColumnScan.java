package io.needle.decode;

import io.needle.protocol.proto.Codec;
import org.apache.parquet.VersionParser;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.impl.ColumnReaderImpl;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.page.PageReader;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;

import java.util.ArrayList;
import java.util.List;

/**
 * Finds a lookup's keys in the key column's pages of one row group. The data pages form runs (a
 * page with a known first row starts a run, a page with first_row -1 continues it); a one-page
 * run of a PLAIN page is read straight from its bytes ({@link KeyPageScan}), any other run with
 * parquet's {@code ColumnReaderImpl}, and row = run's first row + value index (the key column is
 * top-level and not repeated). Stateless.
 */
final class KeyColumnScan {
  private static final PrimitiveConverter NO_CONVERTER = new PrimitiveConverter() {};

  private KeyColumnScan() {}

  /**
   * The rows of {@code column} (the key column's pages of one row group) holding one of
   * {@code keys}, ascending, with the ordinal of the key each holds.
   *
   * @param direct whether one-page runs may take {@link KeyPageScan} (off only to compare paths)
   */
  static RowGroupDecoder.Matches scan(RecordAssembly.Columns pages, int column, ColumnDescriptor keyDescriptor,
      VersionParser.ParsedVersion writerVersion, boolean direct, KeyMatcher keys) throws DecodeException {
    AnswerHeader answer = pages.answer();
    Codec codec = answer.codec(column);
    DictionaryPage dictionary = pages.dictionary(column);
    RowGroupDecoder.Matches matches = new RowGroupDecoder.Matches();
    int dataPages = answer.dataPageCount(column);
    int i = 0;
    while (i < dataPages) {
      long runFirstRow = answer.firstRow(column, i);
      if (runFirstRow < 0) {
        throw new DecodeException(DecodeException.Kind.CORRUPT, "key column's first page has an unknown first row");
      }
      if (direct && (i + 1 == dataPages || answer.firstRow(column, i + 1) >= 0)) { // one-page run
        ParsedPage page = pages.page(answer.dataPage(column, i));
        if (KeyPageScan.scanKeyPage(keyDescriptor, codec, page, keys,
            (position, ordinal) -> matches.add(runFirstRow + position, ordinal))) {
          i++;
          continue;
        }
      }
      List<ColumnPageReader.Entry> run = new ArrayList<>();
      long values = 0;
      do {
        ParsedPage page = pages.page(answer.dataPage(column, i));
        values += page.valueCount();
        run.add(new ColumnPageReader.Entry(page, -1, 0));
        i++;
      } while (i < dataPages && answer.firstRow(column, i) < 0);
      if (values > 0) {
        scanRun(new ColumnPageReader(codec, keyDescriptor, dictionary, run, values, false), keyDescriptor,
            writerVersion, runFirstRow, values, keys, matches);
      }
    }
    return matches;
  }

  private static void scanRun(PageReader reader, ColumnDescriptor keyDescriptor,
      VersionParser.ParsedVersion writerVersion, long firstRow, long values, KeyMatcher keys, RowGroupDecoder.Matches matches)
      throws DecodeException {
    ColumnReaderImpl column = new ColumnReaderImpl(keyDescriptor, reader, NO_CONVERTER, writerVersion);
    int maxDefinition = keyDescriptor.getMaxDefinitionLevel();
    PrimitiveTypeName type = keyDescriptor.getPrimitiveType().getPrimitiveTypeName();
    for (long v = 0; v < values; v++) {
      if (column.getCurrentDefinitionLevel() == maxDefinition) {
        int ordinal = switch (type) {
          case INT32 -> keys.ordinalOf(column.getInteger());
          case INT64 -> keys.ordinalOf(column.getLong());
          default -> keys.ordinalOf(column.getBinary());
        };
        if (ordinal >= 0) {
          matches.add(firstRow + v, ordinal);
        }
      }
      column.consume();
    }
  }
}
