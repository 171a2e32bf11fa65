package io.needle.worker;

import java.util.List;
import java.util.Locale;

/**
 * What one listing of a table location found: its Parquet files, and the files of its
 * {@code metadata/} folder, which make the location an Iceberg table when a
 * {@code metadata/*.metadata.json} is among them. A URI naming one {@code .metadata.json} file
 * lists as that file alone, under {@code metadataFiles}.
 *
 * @param files the {@code .parquet} files, sorted by relative path (a directory table's data files)
 * @param metadataFiles every file under {@code metadata/} and every {@code .puffin} file (Iceberg's
 *     deletion vectors), or the one metadata file named
 * @param isIceberg true when the location holds an Iceberg table's metadata, or the URI named a metadata file
 * @param foreignFormat a table format Needle does not read (Delta Lake, Hudi) whose log folder the
 *     location holds; null for directory and Iceberg tables. Such a listing has no files.
 */
record TableListing(List<TableFile> files, List<TableFile> metadataFiles, boolean isIceberg,
    ForeignTableFormat foreignFormat) {
  static final String METADATA_DIR = "metadata/";
  static final String METADATA_SUFFIX = ".metadata.json";

  TableListing {
    files = List.copyOf(files);
    metadataFiles = List.copyOf(metadataFiles);
  }

  /** The listing; an Iceberg table when a table metadata file is among {@code metadataFiles} (decided once). */
  TableListing(List<TableFile> files, List<TableFile> metadataFiles) {
    this(files, metadataFiles, metadataFiles.stream().anyMatch(f -> isTableMetadata(f.relativePath())), null);
  }

  /** The listing of a location that holds a table of {@code format}: nothing Needle may serve. */
  static TableListing foreign(ForeignTableFormat format) {
    return new TableListing(List.of(), List.of(), false, java.util.Objects.requireNonNull(format, "format is null"));
  }

  /** Puffin files, where Iceberg keeps deletion vectors (beside the data files). */
  static boolean isDeletionVectors(String name) {
    return name.toLowerCase(Locale.ROOT).endsWith(".puffin");
  }

  /** {@code metadata/<name>.metadata.json} directly in the metadata folder, or a metadata file named alone. */
  static boolean isTableMetadata(String relativePath) {
    if (!relativePath.toLowerCase(Locale.ROOT).endsWith(METADATA_SUFFIX)) {
      return false;
    }
    int slash = relativePath.indexOf('/');
    return slash < 0 || relativePath.startsWith(METADATA_DIR) && relativePath.indexOf('/', METADATA_DIR.length()) < 0;
  }
}
