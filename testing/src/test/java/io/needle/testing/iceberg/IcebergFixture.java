package io.needle.testing.iceberg;

import io.needle.testing.ParquetOracle;
import org.apache.iceberg.BaseTable;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.MetadataColumns;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.SortOrder;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.data.GenericFileWriterFactory;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.deletes.DVFileWriter;
import org.apache.iceberg.deletes.Deletes;
import org.apache.iceberg.deletes.PositionDelete;
import org.apache.iceberg.deletes.PositionDeleteWriter;
import org.apache.iceberg.encryption.EncryptedFiles;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.io.OutputFile;
import org.apache.iceberg.types.TypeUtil;
import org.apache.iceberg.types.Types;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Iceberg tables written by Iceberg's own writers (generic records to Parquet, position and
 * equality delete writers, deletion vectors, schema updates, snapshot expiry), their metadata
 * files in the table location as file-system tables keep them; and the oracle: the rows Iceberg's own reader
 * ({@link IcebergGenerics}) returns for a key, and the same rows as parquet-java reads them from
 * the data files Iceberg plans, in the JSON form the client's rows print.
 */
public final class IcebergFixture {
  public static final String KEY = "id";
  static final Schema SCHEMA = new Schema(
      Types.NestedField.required(1, "id", Types.LongType.get()),
      Types.NestedField.optional(2, "name", Types.StringType.get()),
      Types.NestedField.optional(3, "score", Types.DoubleType.get()));

  public final Table table;

  private IcebergFixture(Table table) {
    this.table = table;
  }

  /** The oracle over an existing table (one loaded from its metadata, e.g. a table another tool wrote). */
  public static IcebergFixture of(Table table) {
    return new IcebergFixture(table);
  }

  /**
   * A new table at {@code warehouse/name} ({@code warehouse} a local folder, or an {@code s3://}
   * location mapped to {@code mappedDir}); format version 2.
   */
  public static IcebergFixture create(String warehouse, Path mappedDir, String name) {
    return create(warehouse, mappedDir, name, 2);
  }

  /** Like {@link #create(String, Path, String)} with the given format version (3: deletion vectors). */
  public static IcebergFixture create(String warehouse, Path mappedDir, String name, int formatVersion) {
    return create(warehouse, mappedDir, name, formatVersion, SCHEMA);
  }

  /** Like {@link #create(String, Path, String, int)} with the given schema. */
  public static IcebergFixture create(String warehouse, Path mappedDir, String name, int formatVersion, Schema schema) {
    MappedFileIO io = new MappedFileIO();
    io.initialize(Map.of(MappedFileIO.PREFIX, mappedDir == null ? "" : warehouse,
        MappedFileIO.DIR, mappedDir == null ? "" : mappedDir.toString()));
    FileTableOperations ops = new FileTableOperations(io);
    ops.create(TableMetadata.newTableMetadata(schema, PartitionSpec.unpartitioned(), SortOrder.unsorted(),
        warehouse + "/" + name, Map.of(TableProperties.FORMAT_VERSION, Integer.toString(formatVersion))));
    Table table = new BaseTable(ops, name);
    return new IcebergFixture(table);
  }

  /** The row of key {@code id} in generation {@code gen}: values derived from both. */
  static Record row(long id, int gen) {
    GenericRecord r = GenericRecord.create(SCHEMA);
    r.setField("id", id);
    r.setField("name", id % 7 == 0 ? null : "n" + id + "-g" + gen);
    r.setField("score", id * 0.5 + gen);
    return r;
  }

  /** Writes one Parquet data file of the rows of {@code ids} (generation {@code gen}). */
  public DataFile write(List<Long> ids, int gen) throws IOException {
    OutputFile out = table.io().newOutputFile(table.locationProvider().newDataLocation(UUID.randomUUID() + ".parquet"));
    DataWriter<Record> writer = new GenericFileWriterFactory.Builder(table).dataFileFormat(FileFormat.PARQUET).build()
        .newDataWriter(EncryptedFiles.plainAsEncryptedOutput(out), table.spec(), null);
    try (writer) {
      for (long id : ids) {
        writer.write(row(id, gen));
      }
    }
    return writer.toDataFile();
  }

  /** Appends one Parquet data file of {@code rows} (records of the table's current schema). */
  public DataFile appendRecords(List<Record> rows) throws IOException {
    OutputFile out = table.io().newOutputFile(table.locationProvider().newDataLocation(UUID.randomUUID() + ".parquet"));
    DataWriter<Record> writer = new GenericFileWriterFactory.Builder(table).dataFileFormat(FileFormat.PARQUET).build()
        .newDataWriter(EncryptedFiles.plainAsEncryptedOutput(out), table.spec(), null);
    try (writer) {
      rows.forEach(writer::write);
    }
    DataFile file = writer.toDataFile();
    table.newAppend().appendFile(file).commit();
    return file;
  }

  public DataFile append(List<Long> ids, int gen) throws IOException {
    DataFile file = write(ids, gen);
    table.newAppend().appendFile(file).commit();
    return file;
  }

  /** Deletes rows by position in {@code file} (a position delete file). */
  public void deletePositions(DataFile file, long... positions) throws IOException {
    OutputFile out = table.io().newOutputFile(table.locationProvider().newDataLocation("pos-" + UUID.randomUUID() + ".parquet"));
    PositionDeleteWriter<Record> writer = new GenericFileWriterFactory.Builder(table).deleteFileFormat(FileFormat.PARQUET)
        .build().newPositionDeleteWriter(EncryptedFiles.plainAsEncryptedOutput(out), table.spec(), null);
    try (writer) {
      for (long p : positions) {
        writer.write(PositionDelete.<Record>create().set(file.location(), p));
      }
    }
    DeleteFile deletes = writer.toDeleteFile();
    table.newRowDelta().addDeletes(deletes).commit();
  }

  /** Deletes rows by position in {@code file} with a deletion vector (format version 3). */
  public void deleteWithVector(DataFile file, long... positions) throws IOException {
    OutputFile out = table.io().newOutputFile(table.locationProvider().newDataLocation("dv-" + UUID.randomUUID() + ".puffin"));
    DVFileWriter writer = Deletes.writeDVs(EncryptedFiles.plainAsEncryptedOutput(out), path -> null);
    try (writer) {
      for (long p : positions) {
        writer.delete(file.location(), p, table.spec(), null);
      }
    }
    var delta = table.newRowDelta();
    writer.result().deleteFiles().forEach(delta::addDeletes);
    delta.commit();
  }

  /** Deletes rows by key (an equality delete file on the key column). */
  public void deleteKeys(long... ids) throws IOException {
    deleteKeys(KEY, ids);
  }

  /** Deletes rows by the value of {@code keyColumn}, a long column (an equality delete file on it). */
  public void deleteKeys(String keyColumn, long... ids) throws IOException {
    List<List<Object>> tuples = new ArrayList<>();
    for (long id : ids) {
      tuples.add(List.of(id));
    }
    deleteEqual(List.of(keyColumn), tuples);
  }

  /**
   * Deletes the rows whose values of {@code columns} equal one of {@code tuples} (an equality
   * delete file on those columns; a null value deletes rows where the column is null).
   */
  public void deleteEqual(List<String> columns, List<List<Object>> tuples) throws IOException {
    Schema deleteSchema = table.schema().select(columns);
    int[] ids = columns.stream().mapToInt(c -> table.schema().findField(c).fieldId()).toArray();
    OutputFile out = table.io().newOutputFile(table.locationProvider().newDataLocation("eq-" + UUID.randomUUID() + ".parquet"));
    var writer = new GenericFileWriterFactory.Builder(table).deleteFileFormat(FileFormat.PARQUET)
        .equalityFieldIds(ids).equalityDeleteRowSchema(deleteSchema).build()
        .newEqualityDeleteWriter(EncryptedFiles.plainAsEncryptedOutput(out), table.spec(), null);
    try (writer) {
      for (List<Object> tuple : tuples) {
        GenericRecord r = GenericRecord.create(deleteSchema);
        for (int i = 0; i < columns.size(); i++) {
          r.setField(columns.get(i), tuple.get(i));
        }
        writer.write(r);
      }
    }
    table.newRowDelta().addDeletes(writer.toDeleteFile()).commit();
  }

  /** The table's location as the worker is given it. */
  public String location() {
    return table.location();
  }

  /** The newest metadata file's location. */
  public String metadataLocation() {
    return ((org.apache.iceberg.HasTableOperations) table).operations().current().metadataFileLocation();
  }

  /** Iceberg's own reader: the live rows of {@code key} in the current snapshot. */
  public List<Record> icebergRows(long key) throws IOException {
    table.refresh();
    List<Record> out = new ArrayList<>();
    try (CloseableIterable<Record> rows = IcebergGenerics.read(table).where(Expressions.equal(KEY, key)).build()) {
      for (Record r : rows) {
        if (((Long) r.getField(KEY)) == key) {
          out.add(r.copy());
        }
      }
    }
    return out;
  }

  /**
   * The live rows of {@code key} in the current snapshot: which rows are live (file and position)
   * as Iceberg's own reader says, with its deletes applied; their values as parquet-java reads them
   * from those positions of the data files, in path then position order, as JSON: what the
   * client's rows must print.
   */
  public List<String> parquetJson(long key, java.util.function.Function<String, Path> localPath) throws IOException {
    table.refresh();
    Set<String> live = new HashSet<>();
    Schema withPosition = TypeUtil.join(table.schema(), new Schema(MetadataColumns.FILE_PATH, MetadataColumns.ROW_POSITION));
    try (CloseableIterable<Record> rows = IcebergGenerics.read(table).where(Expressions.equal(KEY, key))
        .project(withPosition).build()) {
      for (Record r : rows) {
        if (((Long) r.getField(KEY)) == key) {
          live.add(r.getField(MetadataColumns.FILE_PATH.name()) + "#" + r.getField(MetadataColumns.ROW_POSITION.name()));
        }
      }
    }
    List<String> paths = new ArrayList<>();
    try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
      for (FileScanTask task : tasks) {
        paths.add(task.file().location());
      }
    }
    Collections.sort(paths);
    List<String> out = new ArrayList<>();
    for (String p : paths) {
      long[] position = {0};
      ParquetOracle.forEachRow(localPath.apply(p), row -> {
        if (Long.valueOf(key).equals(ParquetOracle.keyValue(row, KEY)) && live.contains(p + "#" + position[0])) {
          out.add(ParquetOracle.json(row, List.of()));
        }
        position[0]++;
      });
    }
    return out;
  }
}
