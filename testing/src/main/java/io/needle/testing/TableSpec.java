package io.needle.testing;

import io.needle.bench.baseline.ParquetReadOptionsFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;

/**
 * One test table, as {@link MatrixTables} or {@link LayoutTables} wrote it.
 *
 * <p>The layout facts ({@code hasColumnIndex}, {@code hasOffsetIndex}, {@code hasBloomFilter},
 * {@code rowGroups}) are read back from the written footers, not assumed from the writer
 * settings: they are what the files really hold, for the key column of the first file.
 *
 * @param name table name, also the directory name
 * @param dir the directory holding the files
 * @param files the files in key order
 * @param keyColumn the key column (top-level)
 * @param presentKeys keys that exist, as docs/values.md Java values (Integer, Long, String,
 *     byte[], UUID, LocalDate, Instant)
 * @param duplicateKeys present keys held by more than one row (some across two files)
 * @param absentKeys keys of the same type that exist in no row: between, before and after
 *     the present ones
 * @param layout a short human description: codec, page version, dictionary, encodings
 */
public record TableSpec(
    String name,
    Path dir,
    List<Path> files,
    String keyColumn,
    List<Object> presentKeys,
    List<Object> duplicateKeys,
    List<Object> absentKeys,
    String layout,
    int rowGroups,
    boolean hasColumnIndex,
    boolean hasOffsetIndex,
    boolean hasBloomFilter) {

  public TableSpec {
    files = List.copyOf(files);
    presentKeys = List.copyOf(presentKeys);
    duplicateKeys = List.copyOf(duplicateKeys);
    absentKeys = List.copyOf(absentKeys);
  }

  /** The spec of a written table, its layout facts read from the footer of its first file. */
  public static TableSpec read(String name, Path dir, List<Path> files, String keyColumn, List<Object> presentKeys,
      List<Object> duplicateKeys, List<Object> absentKeys, String layout) throws IOException {
    int rowGroups = 0;
    boolean columnIndex = false;
    boolean offsetIndex = false;
    boolean bloom = false;
    try (ParquetFileReader reader = ParquetReadOptionsFactory.open(files.get(0))) {
      for (BlockMetaData block : reader.getRowGroups()) {
        rowGroups++;
        for (ColumnChunkMetaData chunk : block.getColumns()) {
          if (chunk.getPath().toDotString().equals(keyColumn)) {
            columnIndex |= reader.readColumnIndex(chunk) != null;
            offsetIndex |= reader.readOffsetIndex(chunk) != null;
            bloom |= reader.readBloomFilter(chunk) != null;
          }
        }
      }
    }
    return new TableSpec(name, dir, files, keyColumn, presentKeys, duplicateKeys, absentKeys, layout,
        rowGroups, columnIndex, offsetIndex, bloom);
  }
}
