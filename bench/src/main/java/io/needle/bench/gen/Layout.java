package io.needle.bench.gen;

import java.util.Arrays;
import java.util.Locale;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * The layouts {@link LayoutTable} writes the same rows in: what the writers users have produce,
 * not what suits Needle. parquet-java with its defaults (1 MiB pages, dictionary on, no bloom
 * filter; keys in arrival order), with page v1 and v2, with its page index and with it dropped
 * (as parquet-java before 1.11 and pyarrow's defaults write), many small row groups; and DuckDB's
 * {@code COPY ... (FORMAT parquet)} (no page index, DuckDB's own pages), once with its dictionary
 * limit raised so that unique keys are dictionary-encoded, as pyarrow does (parquet-java falls back
 * to plain encoding for a column of unique values: a dictionary would not make it smaller).
 * Only the row-group size departs from parquet-java's 128 MiB default, so that small tables have
 * several row groups, as big ones do.
 */
public enum Layout {
  PARQUET_JAVA_GZIP(KeyType.INT32, Writer.PARQUET_JAVA, CompressionCodecName.GZIP, false, false,
      ParquetProperties.DEFAULT_PAGE_SIZE, true, 4, 1,
      "parquet-java defaults: int32 key in random order, GZIP, v1 pages of 1 MiB, no bloom filter, 4 row groups"),
  PARQUET_JAVA_SNAPPY(KeyType.INT64, Writer.PARQUET_JAVA, CompressionCodecName.SNAPPY, false, false,
      ParquetProperties.DEFAULT_PAGE_SIZE, true, 4, 2,
      "parquet-java defaults: int64 key in random order, SNAPPY, v1 pages of 1 MiB, no bloom filter, 2 files"),
  PARQUET_JAVA_V2(KeyType.STRING, Writer.PARQUET_JAVA, CompressionCodecName.SNAPPY, true, false,
      ParquetProperties.DEFAULT_PAGE_SIZE, true, 2, 2,
      "parquet-java, v2 pages of 1 MiB: string key in random order, SNAPPY, no bloom filter, 2 files"),
  PARQUET_JAVA_NO_PAGE_INDEX(KeyType.INT64, Writer.PARQUET_JAVA, CompressionCodecName.SNAPPY, false, false,
      ParquetProperties.DEFAULT_PAGE_SIZE, false, 2, 2,
      "parquet-java defaults without the page index (as pyarrow and parquet-java < 1.11 write): int64 key in "
          + "random order, SNAPPY, v1 pages of 1 MiB, 2 files"),
  PARQUET_JAVA_MANY_ROW_GROUPS(KeyType.INT32, Writer.PARQUET_JAVA, CompressionCodecName.SNAPPY, false, true,
      64 * 1024, true, 32, 2,
      "parquet-java, many small row groups: sorted int32 key, SNAPPY, 64 KiB pages, page index, 2 files"),
  DUCKDB_ZSTD(KeyType.STRING, Writer.DUCKDB, CompressionCodecName.ZSTD, false, true,
      0, false, 2, 3,
      "DuckDB COPY (FORMAT parquet, COMPRESSION zstd): string key sorted within files, no page index, 3 files"),
  DUCKDB_DICT_KEYS(KeyType.STRING, Writer.DUCKDB, CompressionCodecName.SNAPPY, false, true,
      0, false, 2, 1,
      "DuckDB COPY with DICTIONARY_SIZE_LIMIT raised: dictionary-encoded string keys (as pyarrow writes them), "
          + "sorted, SNAPPY, no page index"),
  DUCKDB_V2(KeyType.INT64, Writer.DUCKDB, CompressionCodecName.SNAPPY, true, false,
      0, false, 2, 2,
      "DuckDB COPY (FORMAT parquet, PARQUET_VERSION v2): v2 encodings (delta, byte stream split) in v1 pages, "
          + "int64 key in random order, SNAPPY, no page index, 2 files");


  /** The physical type of the key column {@code id}. */
  public enum KeyType { INT32, INT64, STRING }

  /** Which library writes the files. */
  public enum Writer { PARQUET_JAVA, DUCKDB }

  private final KeyType keyType;
  private final Writer writer;
  private final CompressionCodecName codec;
  private final boolean formatV2;
  private final boolean sorted;
  private final int pageBytes;
  private final boolean pageIndex;
  private final int rowGroupsPerFile;
  private final int files;
  private final String description;

  Layout(KeyType keyType, Writer writer, CompressionCodecName codec, boolean formatV2, boolean sorted, int pageBytes,
      boolean pageIndex, int rowGroupsPerFile, int files, String description) {
    this.keyType = keyType;
    this.writer = writer;
    this.codec = codec;
    this.formatV2 = formatV2;
    this.sorted = sorted;
    this.pageBytes = pageBytes;
    this.pageIndex = pageIndex;
    this.rowGroupsPerFile = rowGroupsPerFile;
    this.files = files;
    this.description = description;
  }

  /** The name on the command line: {@code parquet-java-gzip}, {@code duckdb-zstd}, ... */
  public String label() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** The layout named {@code label} (case-insensitive), or an error listing the names. */
  public static Layout of(String label) {
    for (Layout l : values()) {
      if (l.label().equalsIgnoreCase(label.trim())) {
        return l;
      }
    }
    throw new IllegalArgumentException("unknown layout '" + label + "'; the layouts: "
        + String.join(", ", Arrays.stream(values()).map(Layout::label).toList()));
  }

  public KeyType keyType() {
    return keyType;
  }

  public Writer writer() {
    return writer;
  }

  public CompressionCodecName codec() {
    return codec;
  }

  /**
   * Whether the writer was asked for format version 2: parquet-java then writes v2 data pages
   * (and the delta encodings where there is no dictionary); DuckDB writes the v2 encodings in v1
   * data pages.
   */
  public boolean formatV2() {
    return formatV2;
  }

  /** Whether the data pages are v2 ({@code DATA_PAGE_V2} headers). */
  public boolean v2Pages() {
    return formatV2 && writer == Writer.PARQUET_JAVA;
  }

  /** Keys ascending within each file; otherwise in a seeded random order. */
  public boolean sorted() {
    return sorted;
  }

  /** parquet-java's page size; 0 for DuckDB, which sizes its own pages. */
  public int pageBytes() {
    return pageBytes;
  }

  /** Whether the files keep the writer's column and offset indexes. */
  public boolean pageIndex() {
    return pageIndex;
  }

  public int rowGroupsPerFile() {
    return rowGroupsPerFile;
  }

  public int files() {
    return files;
  }

  /** Whether the key column is dictionary-encoded (DuckDB told to, as pyarrow does by default). */
  public boolean dictionaryKeys() {
    return this == DUCKDB_DICT_KEYS;
  }

  public String description() {
    return description;
  }
}
