package io.needle.bench.gen;

import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * What {@code needle gen} writes: how many rows, in how many files, and the layout knobs.
 * Validated once here; {@link FeatureTable} trusts it.
 *
 * <p>The defaults are the lookup-friendly layout of DESIGN.md: SNAPPY (ZSTD costs ~17 µs per
 * 8 KiB page to decompress), 8 KiB pages capped at 1000 rows, 32 MiB row groups, v1 pages.
 *
 * @param rows total rows across all files, at least 1
 * @param files number of files, 1..rows
 * @param codec compression codec of every column
 * @param pageSizeBytes target page size (parquet-java checks it every few rows, so pages land a
 *     little above it)
 * @param pageRowLimit maximum rows per page
 * @param rowGroupBytes target row-group size
 * @param embeddingDim number of floats in the {@code embedding} list
 * @param writerVersion v1 (PLAIN / dictionary) or v2 pages (adds the DELTA encodings)
 * @param seed mixes into every key-derived value; the same seed gives the same table
 */
public record GenOptions(
    long rows,
    int files,
    CompressionCodecName codec,
    int pageSizeBytes,
    int pageRowLimit,
    long rowGroupBytes,
    int embeddingDim,
    WriterVersion writerVersion,
    long seed) {

  public static final int DEFAULT_PAGE_SIZE_BYTES = 8 * 1024;
  public static final int DEFAULT_PAGE_ROW_LIMIT = 200;
  public static final long DEFAULT_ROW_GROUP_BYTES = 32L * 1024 * 1024;
  public static final int DEFAULT_EMBEDDING_DIM = 16;
  public static final long DEFAULT_SEED = 42L;

  public GenOptions {
    if (rows < 1) {
      throw new IllegalArgumentException("rows must be >= 1: " + rows);
    }
    if (files < 1 || files > rows) {
      throw new IllegalArgumentException("files must be in 1.." + rows + ": " + files);
    }
    new WriterLayout(codec, writerVersion, pageSizeBytes, pageRowLimit, rowGroupBytes); // validates those five
    if (embeddingDim < 0 || embeddingDim > 4096) {
      throw new IllegalArgumentException("embeddingDim must be in 0..4096: " + embeddingDim);
    }
    // Keys are 3 * row + 7; keep them far from overflow.
    if (rows > (Long.MAX_VALUE - 7) / 3) {
      throw new IllegalArgumentException("rows too large: " + rows);
    }
  }

  /** The lookup-friendly defaults for {@code rows} rows in {@code files} files. */
  public static GenOptions defaults(long rows, int files) {
    return new GenOptions(
        rows,
        files,
        CompressionCodecName.SNAPPY,
        DEFAULT_PAGE_SIZE_BYTES,
        DEFAULT_PAGE_ROW_LIMIT,
        DEFAULT_ROW_GROUP_BYTES,
        DEFAULT_EMBEDDING_DIM,
        WriterVersion.PARQUET_1_0,
        DEFAULT_SEED);
  }

  /** The page and row-group layout these options write. */
  public WriterLayout layout() {
    return new WriterLayout(codec, writerVersion, pageSizeBytes, pageRowLimit, rowGroupBytes);
  }

  public GenOptions withCodec(CompressionCodecName newCodec) {
    return new GenOptions(rows, files, newCodec, pageSizeBytes, pageRowLimit, rowGroupBytes,
        embeddingDim, writerVersion, seed);
  }

  public GenOptions withPages(int newPageSizeBytes, int newPageRowLimit) {
    return new GenOptions(rows, files, codec, newPageSizeBytes, newPageRowLimit, rowGroupBytes,
        embeddingDim, writerVersion, seed);
  }

  public GenOptions withRowGroupBytes(long newRowGroupBytes) {
    return new GenOptions(rows, files, codec, pageSizeBytes, pageRowLimit, newRowGroupBytes,
        embeddingDim, writerVersion, seed);
  }

  public GenOptions withEmbeddingDim(int newEmbeddingDim) {
    return new GenOptions(rows, files, codec, pageSizeBytes, pageRowLimit, rowGroupBytes,
        newEmbeddingDim, writerVersion, seed);
  }

  public GenOptions withWriterVersion(WriterVersion newWriterVersion) {
    return new GenOptions(rows, files, codec, pageSizeBytes, pageRowLimit, rowGroupBytes,
        embeddingDim, newWriterVersion, seed);
  }

  public GenOptions withSeed(long newSeed) {
    return new GenOptions(rows, files, codec, pageSizeBytes, pageRowLimit, rowGroupBytes,
        embeddingDim, writerVersion, newSeed);
  }
}
