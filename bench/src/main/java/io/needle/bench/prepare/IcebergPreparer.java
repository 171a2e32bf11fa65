package io.needle.bench.prepare;

import static java.util.Objects.requireNonNull;

import io.needle.bench.harness.LoadDriver;
import io.needle.bench.harness.ProgressBar;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.iceberg.BaseTable;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.LocationProviders;
import org.apache.iceberg.MetricsConfig;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.RewriteFiles;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SortOrder;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.exceptions.CommitStateUnknownException;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.parquet.GenericParquetReaders;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.LocationProvider;
import org.apache.iceberg.parquet.Parquet;
import org.apache.iceberg.parquet.ParquetUtil;
import org.apache.iceberg.types.Types;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * {@code needle prepare} of a local Apache Iceberg table: the same three passes as
 * {@link TablePreparer}, over the rows of the table's current snapshot as Iceberg's own generic
 * reader returns them (position deletes, deletion vectors and equality deletes applied, columns of
 * older files matched by field id), converted to the Parquet schema Iceberg writes for the table
 * ({@link RecordGroups}). The output is verified by reading it back with Iceberg's Parquet reader
 * (the field ids must resolve, the rows must be the source's multiset, keys ascending) before
 * anything is committed, then either:
 *
 * <ul>
 *   <li>{@link Output#REWRITE}: one rewrite commit of the same table: the new files replace every
 *       data file and delete file of the snapshot that was read (a commit in between fails the
 *       rewrite, and the written files are removed); or</li>
 *   <li>{@link Output#NEW_TABLE}: a new table at DST with the same schema (fresh field ids), no
 *       partitions, sorted by the key, holding the new files.</li>
 * </ul>
 *
 * <p>Partitioned tables are refused: one global key order across files cuts through partitions.
 */
public final class IcebergPreparer {
  /** Where the prepared rows go. */
  public enum Output {
    /** A new snapshot of the same table replacing its data and delete files. */
    REWRITE,
    /** A new Iceberg table at DST. */
    NEW_TABLE
  }

  private IcebergPreparer() {}

  /** True when {@code location} is a local Iceberg table's location or one of its metadata files. */
  public static boolean isIcebergTable(Path location) {
    return LocalIcebergTable.isIceberg(location.toAbsolutePath().normalize());
  }

  /**
   * Prepares the Iceberg table at {@code src}: rewritten in place ({@code dst} null) or into a new
   * table at {@code dst} (missing or an empty directory).
   */
  public static PrepareResult prepare(Path src, Path dst, Output output, PrepareOptions options,
      PrintStream progress) throws IOException {
    requireNonNull(options, "options is null");
    requireNonNull(output, "output is null");
    if ((output == Output.REWRITE) != (dst == null)) {
      throw new IllegalArgumentException(output == Output.REWRITE
          ? "a rewrite commits to SRC itself: give no DST"
          : "DST is required: the new Iceberg table's location");
    }
    long start = System.nanoTime();
    Path source = src.toAbsolutePath().normalize();
    if (output == Output.REWRITE && Files.isRegularFile(source)) {
      throw new IllegalArgumentException("SRC " + source + " is one metadata file, a commit of the past: a rewrite "
          + "commits on top of the newest one, so give the table's location");
    }
    Table table = openSource(source, options.keyColumn());
    Snapshot read = table.currentSnapshot();
    Target target = output == Output.REWRITE ? rewriteTarget(table) : newTableTarget(table, source, dst, options);
    RecordGroups rows = new RecordGroups(target.schema());
    KeyColumn key = KeyColumn.of(rows.parquetSchema(), options.keyColumn(), source);
    SourceFiles old = SourceFiles.of(table, read);
    Path tmp = options.tmpDir() != null ? options.tmpDir() : target.tmpDir();
    Files.createDirectories(tmp);
    RowDigest sourceDigest = new RowDigest(rows.parquetSchema());
    List<String> locations = new ArrayList<>();
    List<Path> written;
    long ndv;
    int runs;
    int passes;
    FileIO io = table.io();
    try {
      try (ExternalSort sort = new ExternalSort(rows.parquetSchema(), key, options.memoryBytes(), options.mergeFanIn(),
          tmp, CompressionCodecName.SNAPPY)) {
        LoadDriver.Progress reading = ProgressBar.onTerminal(progress, "prepare: reading and sorting",
            snapshotRows(read), "rows");
        try (CloseableIterable<Record> records = IcebergGenerics.read(table).useSnapshot(read.snapshotId()).build()) {
          for (Record r : records) {
            Group row = rows.toGroup(r);
            if (key.of(row) == null) {
              throw TablePreparer.nullKey(options.keyColumn(), source);
            }
            sourceDigest.add(row);
            sort.add(row);
            reading.completed(sourceDigest.rows());
          }
        }
        ProgressBar.clear(progress, reading);
        ndv = TablePreparer.bloomNdv(sourceDigest.rows(), old.bytes(), options);
        TablePreparer.Source facts = new TablePreparer.Source(rows.parquetSchema(), key, sourceDigest.rows(), old.bytes());
        String prefix = "needle-prepared-" + UUID.randomUUID() + "-";
        try (ExternalSort.SortedRows sorted = sort.sorted()) {
          written = TablePreparer.write(sorted, n -> {
            String location = target.locations().newDataLocation(String.format("%s%05d.parquet", prefix, n));
            locations.add(location);
            Path path = LocalFileIO.path(location);
            try {
              Files.createDirectories(path.getParent()); // a new table's data folder
            } catch (IOException e) {
              throw new UncheckedIOException("creating " + path.getParent(), e);
            }
            return path;
          }, facts, options, ndv, progress);
        }
        runs = sort.runs();
        passes = sort.mergePasses();
      } finally {
        if (options.tmpDir() == null) {
          Files.deleteIfExists(tmp);
        }
      }
      verify(io, locations, rows, key, sourceDigest, progress);
      commit(table, output, target, read, old, dataFiles(io, locations, MetricsConfig.forTable(table)));
    } catch (CommitStateUnknownException e) {
      throw e; // the commit may have landed: its files must stay
    } catch (IOException | RuntimeException e) {
      for (String location : locations) {
        io.deleteFile(location); // nothing committed names them
      }
      throw e;
    }
    long outputBytes = 0;
    for (Path p : written) {
      outputBytes += Files.size(p);
    }
    return new PrepareResult(written, sourceDigest.rows(), old.bytes(), outputBytes, runs, passes, ndv,
        (System.nanoTime() - start) / 1e9);
  }

  /** The table at {@code source}, with a snapshot to read, unpartitioned, with a top-level {@code keyColumn}. */
  private static Table openSource(Path source, String keyColumn) {
    Table table = LocalIcebergTable.open(source);
    if (table.currentSnapshot() == null) {
      throw new IllegalArgumentException("SRC " + source + " is an Iceberg table without a snapshot: nothing to prepare");
    }
    if (!table.spec().isUnpartitioned()) {
      throw new IllegalArgumentException("SRC " + source + " is partitioned (" + table.spec()
          + "): needle prepare sorts the whole table by the key, across partitions; prepare an unpartitioned table");
    }
    Schema schema = table.schema();
    if (schema.asStruct().field(keyColumn) == null) {
      throw new IllegalArgumentException("--key-column: the Iceberg table " + source + " has no top-level column '"
          + keyColumn + "'; its columns: " + String.join(", ",
          schema.columns().stream().map(Types.NestedField::name).toList()));
    }
    return table;
  }

  /** The data and delete files of the snapshot read: what a rewrite replaces. */
  private record SourceFiles(Set<DataFile> data, Set<DeleteFile> deletes, long bytes) {
    static SourceFiles of(Table table, Snapshot snapshot) throws IOException {
      Set<DataFile> data = new LinkedHashSet<>();
      Set<DeleteFile> deletes = new LinkedHashSet<>();
      long bytes = 0;
      try (CloseableIterable<FileScanTask> tasks = table.newScan().useSnapshot(snapshot.snapshotId()).planFiles()) {
        for (FileScanTask task : tasks) {
          if (data.add(task.file())) {
            bytes += task.file().fileSizeInBytes();
          }
          deletes.addAll(task.deletes());
        }
      }
      return new SourceFiles(data, deletes, bytes);
    }
  }

  /** The written files as Iceberg data files: their sizes and Iceberg's metrics from their footers. */
  private static List<DataFile> dataFiles(FileIO io, List<String> locations, MetricsConfig metrics) throws IOException {
    List<DataFile> added = new ArrayList<>();
    for (String location : locations) {
      added.add(DataFiles.builder(PartitionSpec.unpartitioned())
          .withPath(location)
          .withFormat(FileFormat.PARQUET)
          .withFileSizeInBytes(Files.size(LocalFileIO.path(location)))
          .withMetrics(ParquetUtil.fileMetrics(io.newInputFile(location), metrics))
          .build());
    }
    return added;
  }

  /**
   * One commit: a rewrite of the snapshot read (failing if a commit since removed its files or
   * added deletes to them), or the new table and its first snapshot.
   */
  private static void commit(Table table, Output output, Target target, Snapshot read, SourceFiles old,
      List<DataFile> added) {
    if (output == Output.REWRITE) {
      RewriteFiles rewrite = table.newRewrite().validateFromSnapshot(read.snapshotId());
      old.data().forEach(rewrite::deleteFile);
      old.deletes().forEach(rewrite::deleteFile);
      added.forEach(rewrite::addFile);
      rewrite.commit();
    } else {
      Table created = LocalIcebergTable.create(target.metadata());
      var append = created.newAppend();
      added.forEach(append::appendFile);
      append.commit();
    }
  }

  /** Where the files go and under which schema: the table itself, or a new table's metadata. */
  private record Target(Schema schema, LocationProvider locations, Path tmpDir, TableMetadata metadata) {}

  private static Target rewriteTarget(Table table) {
    Path tmp = LocalFileIO.path(table.location()).resolve(".needle-prepare-runs-" + UUID.randomUUID());
    return new Target(table.schema(), table.locationProvider(), tmp, null);
  }

  private static Target newTableTarget(Table table, Path source, Path dst, PrepareOptions options) throws IOException {
    Path target = dst.toAbsolutePath().normalize();
    Path sourceLocation = LocalFileIO.path(table.location()).toAbsolutePath().normalize();
    if (target.startsWith(sourceLocation) || sourceLocation.startsWith(target)) {
      throw new IllegalArgumentException("DST " + target + " and SRC " + source + " must not contain each other");
    }
    if (Files.exists(target) && (!Files.isDirectory(target) || !TablePreparer.isEmpty(target))) {
      throw new IllegalArgumentException("DST " + target + " exists and is not an empty directory");
    }
    int formatVersion = ((BaseTable) table).operations().current().formatVersion();
    SortOrder byKey = SortOrder.builderFor(table.schema()).asc(options.keyColumn()).build();
    TableMetadata metadata = TableMetadata.newTableMetadata(table.schema(), PartitionSpec.unpartitioned(), byKey,
        target.toString(), Map.of(TableProperties.FORMAT_VERSION, Integer.toString(formatVersion)));
    return new Target(metadata.schema(), LocationProviders.locationsFor(metadata.location(), metadata.properties()),
        target.resolve(".needle-prepare-runs"), metadata);
  }

  /** Rows the snapshot's summary says it holds, for the progress bar (0 when unknown). */
  private static long snapshotRows(Snapshot snapshot) {
    String total = snapshot.summary() == null ? null : snapshot.summary().get("total-records");
    try {
      return total == null ? 0 : Long.parseLong(total);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** Reads the output back with Iceberg's Parquet reader: the source's rows, keys ascending across files. */
  private static void verify(FileIO io, List<String> locations, RecordGroups rows, KeyColumn key,
      RowDigest sourceDigest, PrintStream progress) throws IOException {
    RowDigest outputDigest = new RowDigest(rows.parquetSchema());
    LoadDriver.Progress bar = ProgressBar.onTerminal(progress, "prepare: verifying", sourceDigest.rows(), "rows");
    Object previous = null;
    try {
      for (String location : locations) {
        try (CloseableIterable<Record> records = Parquet.read(io.newInputFile(location)).project(rows.schema())
            .createReaderFunc(fileSchema -> GenericParquetReaders.buildReader(rows.schema(), fileSchema)).build()) {
          for (Record r : records) {
            Group row = rows.toGroup(r);
            Object k = key.of(row);
            if (previous != null && key.compare(previous, k) > 0) {
              throw new IllegalStateException("verification failed: " + location + " has key " + key.format(k)
                  + " after " + key.format(previous));
            }
            previous = k;
            outputDigest.add(row);
            bar.completed(outputDigest.rows());
          }
        } catch (UncheckedIOException e) {
          throw e.getCause();
        }
      }
    } finally {
      ProgressBar.clear(progress, bar);
    }
    if (!outputDigest.equals(sourceDigest)) {
      throw new IllegalStateException("verification failed: Iceberg reads " + outputDigest.rows()
          + " rows from the output, " + sourceDigest.rows() + " from the source; content differs in: "
          + outputDigest.differences(sourceDigest));
    }
  }
}
