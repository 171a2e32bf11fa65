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

  IcebergDeletes(String tableUri, TableMetadata table, TableStorage storage, MetadataCache metadata, TableListing listing) {
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
    try (CloseableIterable<FileScanTask> tasks = view.newScan().planFiles()) {
      for (FileScanTask task : tasks) {
        if (task.deletes().isEmpty()) {
          continue;
        }
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

  /** Marks the rows of the data file whose value of the delete's one column the delete file names. */
  private void equalityDeletes(DeleteFile delete, OpenFile data, LongList rows)
      throws ServiceException, IOException, DecodeException {
    List<Integer> ids = delete.equalityFieldIds();
    Types.NestedField field = ids.size() == 1 ? table.schema().findField(ids.get(0)) : null;
    if (field == null || !field.type().isPrimitiveType() || table.schema().findColumnName(ids.get(0)).contains(".")
        || !comparable(field.type())) {
      throw unsupported("equality deletes on field ids " + ids + " (only one top-level integer, string or binary"
          + " column is applied)");
    }
    String column = columnIn(data, field.fieldId(), field.name());
    if (column == null) {
      return; // a data file written before the column was added: its value is null there, which no delete equals
    }
    Set<Long> longs = new HashSet<>();
    Set<ByteBuffer> bytes = new HashSet<>();
    OpenFile deleteFile = storage.open(listedFile(delete.location()));
    try {
      String deleteColumn = columnIn(deleteFile, field.fieldId(), field.name());
      if (deleteColumn == null) {
        throw new ServiceException(ErrorCode.DATA_LOSS, "equality delete file " + TableScope.printable(delete.location())
            + " has no field " + field.fieldId() + ", its equality field");
      }
      ColumnValues.scan(layout(deleteFile, deleteColumn), deleteFile, new ColumnValues.Sink() {
        @Override
        public void int64(long fileRow, long value, boolean int32) {
          longs.add(value);
        }

        @Override
        public void binary(long fileRow, org.apache.parquet.io.api.Binary value) {
          bytes.add(ByteBuffer.wrap(value.getBytes()));
        }
      });
    } finally {
      deleteFile.release();
    }
    ColumnValues.scan(layout(data, column), data, new ColumnValues.Sink() {
      @Override
      public void int64(long fileRow, long value, boolean int32) {
        if (longs.contains(value)) {
          rows.add(fileRow);
        }
      }

      @Override
      public void binary(long fileRow, org.apache.parquet.io.api.Binary value) {
        if (bytes.contains(value.toByteBuffer())) {
          rows.add(fileRow);
        }
      }
    });
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

    long[] toArray() {
      return Arrays.copyOf(values, size);
    }
  }
}
