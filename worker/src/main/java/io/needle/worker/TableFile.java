package io.needle.worker;

import io.needle.metadata.FileVersion;

import java.nio.file.Path;

/**
 * One Parquet file of a table: its path relative to the table, the version listed, and the rows
 * its table deleted (Iceberg row-level deletes), or null when none are.
 */
record TableFile(String relativePath, Path realPath, FileVersion version, RowDeletes deletes) {

  /** A file none of whose rows are deleted (every directory table's). */
  TableFile(String relativePath, Path realPath, FileVersion version) {
    this(relativePath, realPath, version, null);
  }
}
