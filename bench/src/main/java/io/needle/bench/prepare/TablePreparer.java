package io.needle.bench.prepare;

import static java.util.Objects.requireNonNull;

import io.needle.bench.ParquetListing;
import io.needle.bench.baseline.ParquetReadOptionsFactory;
import io.needle.bench.gen.GroupWriters;
import io.needle.bench.harness.LoadDriver;
import io.needle.bench.harness.ProgressBar;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.schema.MessageType;

/**
 * {@code needle prepare}: rewrites a local table lookup-friendly. In three passes over the data:
 *
 * <ol>
 *   <li>read every source row ({@link GroupFile}), add it to the source's {@link RowDigest} and to
 *       an {@link ExternalSort} by the key;</li>
 *   <li>write the sorted rows into files {@code part-00000.parquet}, ... of about
 *       {@link PrepareOptions#fileBytes()} each, cut only where the key changes (so file key
 *       ranges are disjoint), with {@code needle gen}'s writer setup ({@link GroupWriters}): small
 *       pages, the page index, a bloom filter on the key, no dictionary on the key (sorted keys
 *       gain nothing from one, and a fully dictionary-encoded chunk gets no bloom filter);</li>
 *   <li>read the output back and check it: the same row count and digest as the source, keys in
 *       order across all files.</li>
 * </ol>
 *
 * <p>Null keys are refused before anything is written: Needle cannot look such rows up, and a file
 * holding only null keys has no key range, so every lookup would have to ask it.
 *
 * <p>The bloom filter of each row group is sized for the rows a row group is expected to hold:
 * the row-group size over the source's bytes per row, doubled for slack, capped at the row count.
 */
public final class TablePreparer {
  private TablePreparer() {}

  /**
   * Prepares {@code src} (a Parquet file or a directory table) into {@code dst} (created; must be
   * missing or empty). Progress goes to {@code progress} when it is a terminal.
   */
  public static PrepareResult prepare(Path src, Path dst, PrepareOptions options, PrintStream progress)
      throws IOException {
    requireNonNull(options, "options is null");
    long start = System.nanoTime();
    Path source = src.toAbsolutePath().normalize();
    Path target = dst.toAbsolutePath().normalize();
    List<Path> files = ParquetListing.list(source, "SRC");
    if (target.startsWith(source) || source.startsWith(target)) {
      throw new IllegalArgumentException("DST " + target + " and SRC " + source + " must not contain each other");
    }
    if (Files.exists(target) && (!Files.isDirectory(target) || !isEmpty(target))) {
      throw new IllegalArgumentException("DST " + target + " exists and is not an empty directory");
    }
    Source facts = inspect(files, options.keyColumn());
    Files.createDirectories(target);
    Path tmp = options.tmpDir() != null ? options.tmpDir() : target.resolve(".needle-prepare-runs");
    Files.createDirectories(tmp);
    long ndv = bloomNdv(facts.rows, facts.bytes, options);
    RowDigest sourceDigest = new RowDigest(facts.schema);
    List<Path> written;
    int runs;
    int passes;
    try (ExternalSort sort = new ExternalSort(facts.schema, facts.key, options.memoryBytes(), options.mergeFanIn(),
        tmp, CompressionCodecName.SNAPPY)) {
      LoadDriver.Progress reading = ProgressBar.onTerminal(progress, "prepare: reading and sorting", facts.rows, "rows");
      long done = 0;
      for (Path file : files) {
        try (GroupFile in = GroupFile.open(file)) {
          for (Group row = in.next(); row != null; row = in.next()) {
            if (facts.key.of(row) == null) {
              throw nullKey(options.keyColumn(), file);
            }
            sourceDigest.add(row);
            sort.add(row);
            reading.completed(++done);
          }
        }
      }
      ProgressBar.clear(progress, reading);
      try (ExternalSort.SortedRows sorted = sort.sorted()) {
        written = write(sorted, n -> target.resolve(String.format("part-%05d.parquet", n)), facts, options, ndv,
            progress);
      }
      runs = sort.runs();
      passes = sort.mergePasses();
    } finally {
      if (options.tmpDir() == null) {
        Files.deleteIfExists(tmp);
      }
    }
    verify(written, facts, sourceDigest, progress);
    long outputBytes = 0;
    for (Path p : written) {
      outputBytes += Files.size(p);
    }
    return new PrepareResult(written, facts.rows, facts.bytes, outputBytes, runs, passes, ndv,
        (System.nanoTime() - start) / 1e9);
  }

  /** The source's common schema, key column, rows and bytes, from the footers alone. */
  record Source(MessageType schema, KeyColumn key, long rows, long bytes) {}

  private static Source inspect(List<Path> files, String keyColumn) throws IOException {
    MessageType schema = null;
    long rows = 0;
    long bytes = 0;
    long nullKeys = 0;
    for (Path file : files) {
      try (ParquetFileReader reader = ParquetReadOptionsFactory.open(file)) {
        MessageType s = reader.getFooter().getFileMetaData().getSchema();
        if (schema == null) {
          schema = s;
          KeyColumn.of(schema, keyColumn, file);
        } else if (!schema.equals(s)) {
          throw new IllegalArgumentException("SRC: " + file + " has another schema than " + files.get(0)
              + ": needle prepare writes one schema");
        }
        for (BlockMetaData rg : reader.getFooter().getBlocks()) {
          rows += rg.getRowCount();
          for (ColumnChunkMetaData c : rg.getColumns()) {
            if (c.getPath().size() == 1 && c.getPath().toArray()[0].equals(keyColumn)) {
              Statistics<?> stats = c.getStatistics();
              if (stats != null && stats.isNumNullsSet()) {
                nullKeys += stats.getNumNulls();
              }
            }
          }
        }
      }
      bytes += Files.size(file);
    }
    if (nullKeys > 0) {
      throw new IllegalArgumentException("SRC: " + nullKeys + " rows have a null " + keyColumn
          + ": Needle cannot look them up, so needle prepare refuses them; filter them out first");
    }
    return new Source(schema, KeyColumn.of(schema, keyColumn, files.get(0)), rows, bytes);
  }

  /**
   * Writes {@code sorted} into files named by {@code fileName} (given 0, 1, ...) of about
   * {@link PrepareOptions#fileBytes()}, cut only where the key changes.
   */
  static List<Path> write(ExternalSort.SortedRows sorted, IntFunction<Path> fileName, Source facts,
      PrepareOptions options, long ndv, PrintStream progress) throws IOException {
    List<Path> written = new ArrayList<>();
    LoadDriver.Progress bar = ProgressBar.onTerminal(progress, "prepare: writing", facts.rows, "rows");
    ParquetWriter<Group> out = null;
    Object previous = null;
    long done = 0;
    try {
      for (Group row = sorted.next(); row != null; row = sorted.next()) {
        Object key = facts.key.of(row);
        boolean full = out != null && out.getDataSize() >= options.fileBytes() && facts.key.compare(previous, key) != 0;
        if (out == null || full) {
          if (out != null) {
            out.close();
          }
          Path path = fileName.apply(written.size());
          out = GroupWriters.lookupFriendly(path, facts.schema, options.layout(), options.keyColumn(), ndv,
              List.of(options.keyColumn()));
          written.add(path);
        }
        out.write(row);
        previous = key;
        bar.completed(++done);
      }
    } finally {
      if (out != null) {
        out.close();
      }
      ProgressBar.clear(progress, bar);
    }
    return written;
  }

  /** Reads the output back: the source's row multiset (digest), keys ascending across files. */
  private static void verify(List<Path> written, Source facts, RowDigest sourceDigest, PrintStream progress)
      throws IOException {
    RowDigest outputDigest = new RowDigest(facts.schema);
    LoadDriver.Progress bar = ProgressBar.onTerminal(progress, "prepare: verifying", facts.rows, "rows");
    Object previous = null;
    try {
      for (Path file : written) {
        try (GroupFile in = GroupFile.open(file)) {
          for (Group row = in.next(); row != null; row = in.next()) {
            Object key = facts.key.of(row);
            if (previous != null && facts.key.compare(previous, key) > 0) {
              throw new IllegalStateException("verification failed: " + file + " has key "
                  + facts.key.format(key) + " after " + facts.key.format(previous));
            }
            previous = key;
            outputDigest.add(row);
            bar.completed(outputDigest.rows());
          }
        }
      }
    } finally {
      ProgressBar.clear(progress, bar);
    }
    if (!outputDigest.equals(sourceDigest)) {
      throw new IllegalStateException("verification failed: the output holds " + outputDigest.rows()
          + " rows, the source " + sourceDigest.rows() + "; content differs in: "
          + outputDigest.differences(sourceDigest));
    }
  }

  /** The bloom filters' NDV: the rows a row group is expected to hold, doubled, at most the row count. */
  static long bloomNdv(long rows, long bytes, PrepareOptions options) {
    long bytesPerRow = Math.max(1, bytes / Math.max(1, rows));
    return Math.min(Math.max(1, rows),
        2 * Math.max(1, Math.min(options.layout().rowGroupBytes(), options.fileBytes()) / bytesPerRow));
  }

  static IllegalArgumentException nullKey(String keyColumn, Object file) {
    return new IllegalArgumentException("SRC: " + file + " has a row with a null " + keyColumn
        + ": Needle cannot look it up, so needle prepare refuses null keys; filter them out first");
  }

  static boolean isEmpty(Path dir) throws IOException {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.findAny().isEmpty();
    }
  }
}
