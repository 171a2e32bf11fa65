package io.needle.bench.gen;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.LocalOutputFile;

/**
 * What the generated tables share: their options, the split of rows into files, and writing the
 * files (in parallel, by {@link TableFiles}); each table writes one file its own way.
 */
abstract class GeneratedFiles {
  final GenOptions options;
  final TableFiles files;

  GeneratedFiles(GenOptions options) {
    this.options = requireNonNull(options, "options is null");
    this.files = new TableFiles(options.rows(), options.files());
  }

  public GenOptions options() {
    return options;
  }

  /** The first table row index held by file {@code file}. */
  public long firstRow(int file) {
    return files.firstRow(file);
  }

  /** Rows in file {@code file}. */
  public long rowCount(int file) {
    return files.rowCount(file);
  }

  /** {@code part-00003.parquet} for file 3. */
  public static String fileName(int file) {
    return TableFiles.fileName(file);
  }

  /**
   * Writes every file into {@code dir} (created if missing; existing files of the same names
   * are overwritten) and returns their paths in key order.
   */
  public List<Path> write(Path dir) throws IOException {
    requireNonNull(dir, "dir is null");
    return files.writeAll(dir, file -> writeFile(dir, file));
  }

  /** Writes file {@code file} of the table into {@code dir} and returns its path. */
  abstract Path writeFile(Path dir, int file) throws IOException;

  /**
   * A writer of {@code path} with this table's layout and a bloom filter on the key sized for
   * {@code rows}; no dictionary for {@code noDictionary} (columns where one only costs a fallback).
   */
  <T> GenWriterBuilder<T> writer(Path path, WriteSupport<T> support, String keyColumn, long rows,
      List<String> noDictionary) {
    return GenWriterBuilder.lookupFriendly(new LocalOutputFile(path), support, options.layout(), keyColumn, rows,
        noDictionary);
  }
}
