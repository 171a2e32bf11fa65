package io.needle.worker;

import io.needle.decode.DecodeException;
import io.needle.metadata.KeyColumnLayout;
import io.needle.metadata.MetadataCache;
import io.needle.metadata.RowGroupPlan;
import io.needle.protocol.proto.ErrorCode;
import org.apache.iceberg.BaseTable;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.FileContent;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.StaticTableOperations;
import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.deletes.PositionDeleteIndex;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;

/**
 * Resolves the row-level deletes of one Iceberg snapshot to the rows they delete in each data
 * file, once, when the snapshot loads: Iceberg's own scan planning says which delete files apply
 * to which data file (sequence numbers, partitions, deletion vectors replacing position files);
 * position delete files are read with the worker's column scanner ({@code file_path},
 * {@code pos}), deletion vectors are read from their Puffin blob and decoded by Iceberg, and an
 * equality delete on one primitive column reads that column of the delete file and of the data
 * file and marks the rows whose value it names. Any other delete (equality on several columns
 * or on a non-primitive one) is refused as UNSUPPORTED, naming it.
 *
 * <p>Blocking, and it waits on metadata loads that run on the loader: runs on the Iceberg
 * executor, never on the loader or an event loop. One instance per snapshot load.
 */
final class IcebergDeletes {
  private final String tableUri;
  private final TableMetadata table;
  private final TableStorage storage;
  private final MetadataCache metadata;
  private final Map<String, TableFile> listed = new HashMap<>();
  /** Position delete files read so far in this load: data file location → deleted positions. */
  private final Map<String, Map<String, LongList>> positionFiles = new HashMap<>();
  /** Equality delete files read so far in this load, by location. */
  private final Map<String, EqualityTuples> equalityFiles = new HashMap<>();

  private final long maxDeletedRows;
  /** Deleted rows resolved so far in this load, over every data file. */
  private long deletedRows;

  /**
   * @param maxDeletedRows the most rows the snapshot's delete files may hold, and the most rows
   *     they may delete over all data files: beyond, the load fails with RESOURCE_EXHAUSTED
   */
  IcebergDeletes(String tableUri, TableMetadata table, TableStorage storage, MetadataCache metadata, TableListing listing,
      long maxDeletedRows) {
    this.maxDeletedRows = maxDeletedRows;
    this.tableUri = tableUri;
    this.table = table;
    this.storage = storage;
    this.metadata = metadata;
    for (TableFile f : listing.files()) {
      listed.put(f.relativePath(), f);
    }
    for (TableFile f : listing.metadataFiles()) {
      listed.put(f.relativePath(), f);
    }
  }

  /** {@code files} (the snapshot's data files) with their deleted rows set where deletes apply. */
  List<TableFile> apply(List<TableFile> files, IcebergFiles io) throws ServiceException, IOException, DecodeException {
    Map<String, Integer> byPath = new HashMap<>();
    for (int i = 0; i < files.size(); i++) {
      byPath.put(files.get(i).relativePath(), i);
    }
    List<TableFile> out = new ArrayList<>(files);
    BaseTable view = new BaseTable(new StaticTableOperations(table, io), TableScope.printable(tableUri));
    try (CloseableIterable<FileScanTask> planned = view.newScan().planFiles()) {
      List<FileScanTask> tasks = new ArrayList<>();
      Map<String, Long> deleteRows = new HashMap<>();
      for (FileScanTask task : planned) {
        if (!task.deletes().isEmpty()) {
          tasks.add(task);
          task.deletes().forEach(d -> deleteRows.put(d.location(), d.recordCount()));
        }
      }
      long held = deleteRows.values().stream().mapToLong(Long::longValue).sum();
      if (held > maxDeletedRows) {
        throw overLimit("its delete files hold " + held + " rows");
      }
      for (FileScanTask task : tasks) {
        Integer at = byPath.get(IcebergFiles.relativeTo(table.location(), task.file().location()));
        if (at == null) {
          throw new ServiceException(ErrorCode.INTERNAL, "Iceberg planned data file " + TableScope.printable(
              task.file().location()) + " that the snapshot's manifests did not list");
        }
        TableFile file = out.get(at);
        out.set(at, file.withDeletes(deletedRows(file, task.file().location(), task.deletes())));
      }
    }
    return out;
  }

  private RowDeletes deletedRows(TableFile file, String location, List<DeleteFile> deletes)
      throws ServiceException, IOException, DecodeException {
    LongList rows = new LongList();
    OpenFile open = storage.open(file);
    try {
      for (DeleteFile delete : deletes) {
        if (delete.content() == FileContent.POSITION_DELETES && delete.format() == FileFormat.PUFFIN) {
          deletionVector(delete).forEach(rows::add);
        } else if (delete.content() == FileContent.POSITION_DELETES && delete.format() == FileFormat.PARQUET) {
          LongList positions = positionFile(delete).get(location);
          if (positions != null) {
            rows.addAll(positions);
          }
        } else if (delete.content() == FileContent.EQUALITY_DELETES && delete.format() == FileFormat.PARQUET) {
          equalityDeletes(delete, open, rows);
        } else {
          throw unsupported(delete.content() + " in " + delete.format() + " files");
        }
      }
      deletedRows += rows.size();
      if (deletedRows > maxDeletedRows) {
        throw overLimit("its deletes remove more than " + maxDeletedRows + " rows");
      }
      return RowDeletes.of(rows.toArray(), rowGroupRows(open));
    } finally {
      open.release();
    }
  }

  private PositionDeleteIndex deletionVector(DeleteFile dv) throws ServiceException, IOException {
    if (dv.contentOffset() == null || dv.contentSizeInBytes() == null || dv.contentSizeInBytes() > Integer.MAX_VALUE) {
      throw new ServiceException(ErrorCode.DATA_LOSS, "deletion vector in " + TableScope.printable(dv.location())
          + " has no blob offset or size");
    }
    OpenFile puffin = storage.open(listedFile(dv.location()));
    try {
      ByteBuffer blob = ByteBuffer.allocate(dv.contentSizeInBytes().intValue());
      puffin.readFully(dv.contentOffset(), blob);
      return PositionDeleteIndex.deserialize(blob.array(), dv);
    } finally {
      puffin.release();
    }
  }

  private Map<String, LongList> positionFile(DeleteFile delete) throws ServiceException, IOException, DecodeException {
    Map<String, LongList> known = positionFiles.get(delete.location());
    if (known != null) {
      return known;
    }
    TableFile file = listedFile(delete.location());
    OpenFile open = storage.open(file);
    try {
      List<String> paths = new ArrayList<>();
      LongList pathRows = new LongList();
      ColumnValues.scan(layout(open, "file_path"), open, new ColumnValues.Sink() {
        @Override
        public void int64(long fileRow, long value, boolean int32) {
          throw new IllegalStateException("file_path is not a string column");
        }

        @Override
        public void binary(long fileRow, org.apache.parquet.io.api.Binary value) {
          pathRows.add(fileRow);
          paths.add(value.toStringUsingUTF8());
        }
      });
      long[] positions = new long[paths.size()];
      ColumnValues.scan(layout(open, "pos"), open, new ColumnValues.Sink() {
        @Override
        public void int64(long fileRow, long value, boolean int32) {
          positions[(int) fileRow] = value; // both columns are required: one value per row
        }

        @Override
        public void binary(long fileRow, org.apache.parquet.io.api.Binary value) {
          throw new IllegalStateException("pos is not an integer column");
        }
      });
      Map<String, LongList> byDataFile = new HashMap<>();
      for (int i = 0; i < paths.size(); i++) {
        byDataFile.computeIfAbsent(paths.get(i), p -> new LongList()).add(positions[(int) pathRows.get(i)]);
      }
      positionFiles.put(delete.location(), byDataFile);
      return byDataFile;
    } catch (IllegalStateException | ArrayIndexOutOfBoundsException e) {
      throw new ServiceException(ErrorCode.DATA_LOSS, "position delete file " + TableScope.printable(delete.location())
          + " is not (file_path string, pos long) with one value per row: " + e.getMessage(), e);
    } finally {
      open.release();
    }
  }

  /**
   * The rows of an equality delete file as value tuples, columns in the order of its equality
   * field ids, each value a Long (integer columns) or a ByteBuffer (byte-valued ones), a tuple of
   * one column the value itself: {@code prefixes.get(c)} holds every tuple's first c + 1 values,
   * so its last set holds the whole tuples.
   */
  private record EqualityTuples(List<Types.NestedField> fields, List<Set<Object>> prefixes) {}

  /**
   * Marks the rows of the data file whose values of the delete's columns equal a row of the
   * delete file. Each column of the data file is read in turn and narrows the candidate rows: the
   * first to rows whose value starts a deleted tuple, each next one to rows whose values so far
   * are a prefix of one, so memory follows the candidates, not the file.
   */
  private void equalityDeletes(DeleteFile delete, OpenFile data, LongList rows)
      throws ServiceException, IOException, DecodeException {
    EqualityTuples deleted = equalityFiles.get(delete.location());
    if (deleted == null) {
      deleted = equalityTuples(delete);
      equalityFiles.put(delete.location(), deleted);
    }
    List<Types.NestedField> fields = deleted.fields();
    int width = fields.size();
    Map<Long, Object[]> candidates = null; // file row -> its values so far; null before the first column
    for (int c = 0; c < width; c++) {
      String column = columnIn(data, fields.get(c).fieldId(), fields.get(c).name());
      if (column == null) {
        return; // a data file written before the column was added: null there, and no deleted tuple holds a null
      }
      Set<Object> prefixes = deleted.prefixes().get(c);
      Map<Long, Object[]> narrowed = new HashMap<>();
      Map<Long, Object[]> before = candidates;
      int at = c;
      ColumnValues.scan(layout(data, column), data, new ColumnValues.Sink() {
        @Override
        public void int64(long fileRow, long value, boolean int32) {
          offer(fileRow, value);
        }

        @Override
        public void binary(long fileRow, org.apache.parquet.io.api.Binary value) {
          offer(fileRow, value.toByteBuffer());
        }

        private void offer(long fileRow, Object value) {
          Object[] values;
          if (before == null) {
            if (!prefixes.contains(value)) {
              return; // most rows: no deleted tuple starts with their value
            }
            values = new Object[width];
          } else {
            values = before.get(fileRow);
            if (values == null) {
              return;
            }
          }
          values[at] = value;
          if (at == 0 || prefixes.contains(tuple(values, at + 1))) {
            if (value instanceof ByteBuffer b) {
              values[at] = copy(b); // the scan reuses its buffers
            }
            narrowed.put(fileRow, values);
          }
        }
      });
      candidates = narrowed;
    }
    long[] found = candidates.keySet().stream().mapToLong(Long::longValue).sorted().toArray();
    for (long row : found) {
      rows.add(row);
    }
  }

  /** The first {@code n} values: the value itself for one, else a list. */
  private static Object tuple(Object[] values, int n) {
    return n == 1 ? values[0] : List.of(Arrays.copyOf(values, n));
  }

  private static ByteBuffer copy(ByteBuffer b) {
    ByteBuffer out = ByteBuffer.allocate(b.remaining());
    out.put(b.duplicate()).flip();
    return out;
  }

  /** Reads an equality delete file's tuples; refuses what it cannot apply exactly. */
  private EqualityTuples equalityTuples(DeleteFile delete) throws ServiceException, IOException, DecodeException {
    List<Integer> ids = delete.equalityFieldIds();
    List<Types.NestedField> fields = new ArrayList<>();
    for (int id : ids) {
      Types.NestedField field = table.schema().findField(id);
      if (field == null || !field.type().isPrimitiveType() || table.schema().findColumnName(id).contains(".")
          || !comparable(field.type())) {
        throw unsupported("equality deletes on field ids " + ids + " (applied on top-level integer, date, string,"
            + " binary, fixed and uuid columns only)");
      }
      fields.add(field);
    }
    if (fields.isEmpty()) {
      throw unsupported("an equality delete file without equality fields");
    }
    OpenFile deleteFile = storage.open(listedFile(delete.location()));
    try {
      long rowCount = join(metadata.describe(deleteFile, null)).rowCount();
      if (rowCount != delete.recordCount() || rowCount > Integer.MAX_VALUE - 8) { // the count was checked against the limit
        throw new ServiceException(ErrorCode.DATA_LOSS, "equality delete file " + TableScope.printable(delete.location())
            + " has " + rowCount + " rows, its manifest says " + delete.recordCount());
      }
      Object[][] values = new Object[(int) rowCount][fields.size()];
      for (int c = 0; c < fields.size(); c++) {
        Types.NestedField field = fields.get(c);
        String column = columnIn(deleteFile, field.fieldId(), field.name());
        if (column == null) {
          throw new ServiceException(ErrorCode.DATA_LOSS, "equality delete file " + TableScope.printable(delete.location())
              + " has no field " + field.fieldId() + ", one of its equality fields");
        }
        int at = c;
        ColumnValues.scan(layout(deleteFile, column), deleteFile, new ColumnValues.Sink() {
          @Override
          public void int64(long fileRow, long value, boolean int32) {
            values[(int) fileRow][at] = value;
          }

          @Override
          public void binary(long fileRow, org.apache.parquet.io.api.Binary value) {
            values[(int) fileRow][at] = ByteBuffer.wrap(value.getBytes());
          }
        });
      }
      List<Set<Object>> prefixes = new ArrayList<>();
      for (int c = 0; c < fields.size(); c++) {
        prefixes.add(new HashSet<>());
      }
      for (Object[] row : values) {
        for (int c = 0; c < row.length; c++) {
          if (row[c] == null) {
            // Iceberg deletes rows whose column is null too; the scans see only non-null values.
            throw unsupported("an equality delete of a null " + fields.get(c).name());
          }
          prefixes.get(c).add(tuple(row, c + 1));
        }
      }
      return new EqualityTuples(List.copyOf(fields), prefixes);
    } finally {
      deleteFile.release();
    }
  }

  private static boolean comparable(Type type) {
    return switch (type.typeId()) {
      case INTEGER, LONG, STRING, BINARY, FIXED, UUID, DATE -> true;
      default -> false;
    };
  }

  private long[] rowGroupRows(OpenFile open) throws IOException, DecodeException {
    String column = null;
    for (Types.NestedField field : table.schema().columns()) {
      column = column != null ? column : columnIn(open, field.fieldId(), field.name());
    }
    KeyColumnLayout layout = layout(open, column);
    long[] out = new long[layout.rowGroups().size()];
    int i = 0;
    for (RowGroupPlan rg : layout.rowGroups()) {
      out[i++] = rg.rowCount();
    }
    return out;
  }

  /**
   * The name of the file's top-level field with {@code fieldId}: by id when the file's schema
   * carries ids (null when no field has it: written before the column was added), else
   * {@code name}.
   */
  private String columnIn(OpenFile open, int fieldId, String name) throws IOException, DecodeException {
    io.needle.decode.FileSchema schema = io.needle.decode.FileSchema.parse(
        join(metadata.describe(open, null)).schema().thriftFileMetaData());
    boolean ids = schema.messageType().getFields().stream().anyMatch(f -> f.getId() != null);
    return ids ? EvolvedColumns.fieldName(schema, fieldId) : name;
  }

  private static <T> T join(java.util.concurrent.CompletableFuture<T> loading) throws IOException {
    try {
      return loading.join();
    } catch (CompletionException e) {
      Throwable cause = TableService.unwrap(e);
      if (cause instanceof IOException io) {
        throw io;
      }
      throw e;
    }
  }

  private KeyColumnLayout layout(OpenFile open, String column) throws IOException {
    try {
      return metadata.keyColumn(open, column).join();
    } catch (CompletionException e) {
      Throwable cause = TableService.unwrap(e);
      if (cause instanceof IOException io) {
        throw io;
      }
      throw e;
    }
  }

  private TableFile listedFile(String location) throws ServiceException {
    String relative = IcebergFiles.relativeTo(table.location(), location);
    TableFile file = relative == null ? null : listed.get(relative);
    if (file == null) {
      throw new ServiceException(ErrorCode.NOT_FOUND, "Iceberg table " + TableScope.printable(tableUri)
          + ": delete file " + TableScope.printable(location) + " is missing or outside the table location");
    }
    return file;
  }

  /** The typed refusal of a snapshot whose deletes would take more memory than configured; kept until it changes. */
  private ServiceException overLimit(String what) {
    return new ServiceException(ErrorCode.RESOURCE_EXHAUSTED, "Iceberg table " + TableScope.printable(tableUri)
        + " is not served: " + what + ", over the limit of " + maxDeletedRows
        + " deleted rows held in memory (--iceberg-max-deleted-rows); compact the table or raise the limit");
  }

  private ServiceException unsupported(String what) {
    return new ServiceException(ErrorCode.UNSUPPORTED, "Iceberg table " + TableScope.printable(tableUri)
        + " has " + what + "; Needle refuses rather than return deleted rows");
  }

  /** A growable list of longs. */
  static final class LongList {
    private long[] values = new long[16];
    private int size;

    void add(long v) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = v;
    }

    void addAll(LongList other) {
      for (int i = 0; i < other.size; i++) {
        add(other.values[i]);
      }
    }

    long get(int i) {
      return values[i];
    }

    int size() {
      return size;
    }

    long[] toArray() {
      return Arrays.copyOf(values, size);
    }
  }
}
