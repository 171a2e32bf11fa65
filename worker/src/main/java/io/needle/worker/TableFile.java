package io.needle.worker;

import io.needle.metadata.FileVersion;

import java.nio.file.Path;

/** One Parquet file of a table: its path relative to the table and the version listed. */
record TableFile(String relativePath, Path realPath, FileVersion version) {}
