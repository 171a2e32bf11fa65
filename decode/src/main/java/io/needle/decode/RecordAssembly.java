package io.needle.decode;

import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.column.page.PageReader;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PrimitiveIterator;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Row assembly by parquet-java's own record reader, for the fields the direct path
 * ({@link FlatColumnLookup}) does not read: nested fields, other encodings, pages of unknown
 * first row.
 *
 * <p>How: the requested fields are assembled over a {@link PageReadStore} whose
 * {@code getRowIndexes()} lists exactly the matching rows ({@link #readIndexed}): parquet's
 * {@code SynchronizingColumnReader} skips to them using each page's first row index, the way
 * parquet-java's column-index filtering works. Fields whose pages have unknown first rows (no
 * offset index in the file) are read from row 0 without row indexes, keeping the matching records
 * ({@link #readSequential}). Values come out through {@link RowMaterializer}.
 *
 * <p>Threading: immutable apart from a concurrent cache of column-IO plans per set of fields;
 * shared by every decode call of a {@link RowGroupDecoder} (and its {@code withoutFastPath} twin).
 */
final class RecordAssembly<R> {
  /** One decode call's view of a row group's pages (parsed on demand, once each). */
  interface Columns extends FlatColumnLookup.Pages {
    /** The answer whose pages these are. */
    AnswerHeader answer();

    /** The answer's column index of leaf column {@code leaf}'s pages; CORRUPT when the response has none. */
    int column(int leaf) throws DecodeException;

    /** The column's dictionary, or null when it has none. */
    DictionaryPage dictionary(int column) throws DecodeException;

    long rowCount();
  }

  private final MessageType fileType;
  private final String createdBy;
  private final List<ColumnDescriptor> leaves;
  private final RowFactory<R> rowFactory;
  private final Map<BitSet, MessageColumnIO> plans = new ConcurrentHashMap<>();

  RecordAssembly(MessageType fileType, String createdBy, RowFactory<R> rowFactory) {
    this.fileType = fileType;
    this.createdBy = createdBy;
    this.leaves = fileType.getColumns();
    this.rowFactory = rowFactory;
  }

  Object[][] readIndexed(Columns pages, BitSet fields, RowGroupDecoder.Matches matches) throws DecodeException {
    MessageColumnIO io = plan(fields);
    Map<ColumnDescriptor, ColumnPageReader> readers = new HashMap<>();
    for (int leaf = 0; leaf < leaves.size(); leaf++) {
      if (!fields.get(fileType.getFieldIndex(leaves.get(leaf).getPath()[0]))) {
        continue;
      }
      AnswerHeader answer = pages.answer();
      int column = pages.column(leaf);
      int dataPages = answer.dataPageCount(column);
      List<ColumnPageReader.Entry> entries = new ArrayList<>(dataPages);
      long values = 0;
      int target = 0;
      for (int p = 0; p < dataPages; p++) {
        long first = answer.firstRow(column, p);
        long end = p + 1 < dataPages ? answer.firstRow(column, p + 1) : pages.rowCount();
        if (end <= first) {
          throw new DecodeException(DecodeException.Kind.CORRUPT, "leaf " + leaf + ": page first rows go backwards ("
              + first + " then " + end + ")");
        }
        // Only pages holding a wanted row go to parquet: the synchronizing reader jumps between
        // pages by their first rows, and would otherwise decompress and scan every page it
        // then skips (most of a lookup's time, measured).
        while (target < matches.count && matches.rows[target] < first) {
          target++;
        }
        if (target == matches.count || matches.rows[target] >= end) {
          continue;
        }
        ParsedPage page = pages.page(answer.dataPage(column, p));
        values += page.valueCount();
        entries.add(new ColumnPageReader.Entry(page, first, (int) Math.min(Integer.MAX_VALUE, end - first)));
      }
      readers.put(leaves.get(leaf), reader(pages, column, leaf, entries, values, true));
    }
    long[] rows = Arrays.copyOf(matches.rows, matches.count);
    return read(io, new Store(readers, matches.count, rows), matches.count, null);
  }

  Object[][] readSequential(Columns pages, BitSet fields, RowGroupDecoder.Matches matches) throws DecodeException {
    MessageColumnIO io = plan(fields);
    Map<ColumnDescriptor, ColumnPageReader> readers = new HashMap<>();
    for (int leaf = 0; leaf < leaves.size(); leaf++) {
      if (!fields.get(fileType.getFieldIndex(leaves.get(leaf).getPath()[0]))) {
        continue;
      }
      AnswerHeader answer = pages.answer();
      int column = pages.column(leaf);
      List<ColumnPageReader.Entry> entries = new ArrayList<>();
      long values = 0;
      int dataPages = answer.dataPageCount(column);
      if (dataPages > 0 && answer.firstRow(column, 0) != 0) {
        throw new DecodeException(DecodeException.Kind.CORRUPT, "leaf " + leaf
            + " has pages of unknown first row that do not start at row 0");
      }
      for (int p = 0; p < dataPages; p++) {
        // Every page from row 0 is here: known first rows of other pages need no use.
        ParsedPage page = pages.page(answer.dataPage(column, p));
        values += page.valueCount();
        entries.add(new ColumnPageReader.Entry(page, -1, 0));
      }
      readers.put(leaves.get(leaf), reader(pages, column, leaf, entries, values, false));
    }
    long lastRow = matches.rows[matches.count - 1];
    return read(io, new Store(readers, lastRow + 1, null), lastRow + 1, matches);
  }

  private ColumnPageReader reader(Columns pages, int column, int leaf, List<ColumnPageReader.Entry> entries, long values,
      boolean synchronizing) throws DecodeException {
    if (values <= 0) {
      throw new DecodeException(DecodeException.Kind.CORRUPT, "leaf " + leaf + " has no values for the matching rows");
    }
    return new ColumnPageReader(pages.answer().codec(column), leaves.get(leaf), pages.dictionary(column), entries, values,
        synchronizing);
  }

  /** Reads {@code records} records; with {@code keep}, keeps only the records at its rows. */
  private Object[][] read(MessageColumnIO io, PageReadStore store, long records, RowGroupDecoder.Matches keep) {
    RowMaterializer materializer = new RowMaterializer(io.getType(), rowFactory);
    RecordReader<Object[]> reader = io.getRecordReader(store, materializer, FilterCompat.NOOP);
    int wanted = keep == null ? (int) records : keep.count;
    Object[][] out = new Object[wanted][];
    int next = 0;
    for (long r = 0; r < records && next < wanted; r++) {
      Object[] record = reader.read();
      if (keep == null || keep.rows[next] == r) {
        out[next++] = record;
      }
    }
    return out;
  }

  private MessageColumnIO plan(BitSet fields) {
    return plans.computeIfAbsent((BitSet) fields.clone(), f -> {
      List<Type> types = new ArrayList<>();
      for (int i = f.nextSetBit(0); i >= 0; i = f.nextSetBit(i + 1)) {
        types.add(fileType.getType(i));
      }
      MessageType requested = new MessageType(fileType.getName(), types);
      return new ColumnIOFactory(createdBy).getColumnIO(requested, fileType);
    });
  }

  /**
   * The page readers of one group of fields, restricted to the matching rows when indexes are given.
   *
   * <p>Parquet asks for a column's page reader and then, for the same column, for the row indexes
   * ({@code ColumnReadStoreImpl.getColumnReader}); each column gets its own {@link TargetRows}
   * tied to the reader it was just given.
   */
  private static final class Store implements PageReadStore {
    private final Map<ColumnDescriptor, ColumnPageReader> readers;
    private final long rowCount;
    private final long[] rowIndexes;
    private ColumnPageReader lastGiven;

    Store(Map<ColumnDescriptor, ColumnPageReader> readers, long rowCount, long[] rowIndexes) {
      this.readers = readers;
      this.rowCount = rowCount;
      this.rowIndexes = rowIndexes;
    }

    @Override
    public PageReader getPageReader(ColumnDescriptor descriptor) {
      ColumnPageReader reader = readers.get(descriptor);
      if (reader == null) {
        throw new IllegalStateException("no pages for column " + descriptor);
      }
      lastGiven = reader;
      return reader;
    }

    @Override
    public long getRowCount() {
      return rowCount;
    }

    @Override
    public Optional<PrimitiveIterator.OfLong> getRowIndexes() {
      if (rowIndexes == null) {
        return Optional.empty();
      }
      if (lastGiven == null) {
        throw new IllegalStateException("row indexes asked before any page reader: parquet's read order changed");
      }
      TargetRows rows = new TargetRows(rowIndexes, lastGiven);
      lastGiven = null;
      return Optional.of(rows);
    }
  }
}
