package io.needle.worker;

import io.needle.metadata.FileVersion;

import java.nio.file.Path;

/**
 * One Parquet file of a table: its path relative to the table, the version listed, the rows its
 * table deleted (Iceberg row-level deletes) or null when none are, and what the table's metadata
 * says of its column values (Iceberg manifests) or null when it says nothing, and how the table's
 * columns map to its fields when the table's schema evolved (null: by name, as the file has them).
 */
record TableFile(String relativePath, Path realPath, FileVersion version, RowDeletes deletes, KeyBounds bounds,
    EvolvedColumns columns) {

  /** A file of a directory table: no deleted rows, no bounds before its footer is read. */
  TableFile(String relativePath, Path realPath, FileVersion version) {
    this(relativePath, realPath, version, null, null, null);
  }

  TableFile withDeletes(RowDeletes rowDeletes) {
    return new TableFile(relativePath, realPath, version, rowDeletes, bounds, columns);
  }
}
