package io.needle.bench.gen;

import static java.util.Objects.requireNonNull;

import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * The physical layout knobs of a lookup-friendly Parquet file, as {@code needle gen} and
 * {@code needle prepare} write it. Validated once here.
 *
 * @param codec compression codec of every column
 * @param writerVersion v1 (PLAIN / dictionary) or v2 pages (adds the DELTA encodings)
 * @param pageSizeBytes target page size (parquet-java checks it every few rows, so pages land a
 *     little above it)
 * @param pageRowLimit maximum rows per page
 * @param rowGroupBytes target row-group size
 */
public record WriterLayout(
    CompressionCodecName codec, WriterVersion writerVersion, int pageSizeBytes, int pageRowLimit, long rowGroupBytes) {

  public WriterLayout {
    requireNonNull(codec, "codec is null");
    requireNonNull(writerVersion, "writerVersion is null");
    if (pageSizeBytes < 64) {
      throw new IllegalArgumentException("pageSizeBytes must be >= 64: " + pageSizeBytes);
    }
    if (pageRowLimit < 1) {
      throw new IllegalArgumentException("pageRowLimit must be >= 1: " + pageRowLimit);
    }
    if (rowGroupBytes < pageSizeBytes) {
      throw new IllegalArgumentException(
          "rowGroupBytes must be >= pageSizeBytes (" + pageSizeBytes + "): " + rowGroupBytes);
    }
  }

  /** {@code needle gen}'s defaults (see {@link GenOptions}). */
  public static WriterLayout defaults() {
    return new WriterLayout(CompressionCodecName.SNAPPY, WriterVersion.PARQUET_1_0,
        GenOptions.DEFAULT_PAGE_SIZE_BYTES, GenOptions.DEFAULT_PAGE_ROW_LIMIT, GenOptions.DEFAULT_ROW_GROUP_BYTES);
  }

  public WriterLayout withCodec(CompressionCodecName newCodec) {
    return new WriterLayout(newCodec, writerVersion, pageSizeBytes, pageRowLimit, rowGroupBytes);
  }

  public WriterLayout withPages(int newPageSizeBytes, int newPageRowLimit) {
    return new WriterLayout(codec, writerVersion, newPageSizeBytes, newPageRowLimit, rowGroupBytes);
  }

  public WriterLayout withRowGroupBytes(long newRowGroupBytes) {
    return new WriterLayout(codec, writerVersion, pageSizeBytes, pageRowLimit, newRowGroupBytes);
  }
}
