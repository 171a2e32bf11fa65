package io.needle.worker;

import static java.util.Objects.requireNonNull;

/**
 * Re-paging of column chunks whose pages are too big to ship for one row (see {@link Repager}).
 *
 * @param enabled false: always ship the file's own pages
 * @param triggerPageBytes a lookup that plans a data or dictionary page longer than this (header
 *     included, as stored), or more than this of a column whose page first rows are unknown,
 *     re-pages the chunk, and the other planned chunks of its row group whose pages hold more than
 *     {@code maxPageRows} rows (or {@code keyPageRows} for the key column)
 * @param targetPageBytes the re-paged pages' size threshold, before compression (a page ends at the
 *     first row boundary past it; a single larger row makes a larger page)
 * @param maxPageRows rows per re-paged page at most (bounds decode work on tiny values)
 * @param keyPageRows rows per re-paged page of the lookup's key column: the planner selects the
 *     other columns' pages by the rows of the key page, so a narrow key page selects about one
 *     page of every other column
 * @param codec how re-paged pages are compressed
 * @param threads chunks re-paged at once
 * @param queuedChunks chunks waiting for a thread at most; more are skipped (a later lookup asks again)
 * @param maxChunkBytes larger chunks (as stored) are not re-paged: the whole chunk is read into memory
 */
public record RepagingConfig(boolean enabled, int triggerPageBytes, int targetPageBytes, int maxPageRows,
    int keyPageRows, PageCodec codec, int threads, int queuedChunks, long maxChunkBytes) {

  /** Compression of re-paged pages. */
  public enum PageCodec {
    /** Smallest client work: no decompression at all. */
    UNCOMPRESSED,
    SNAPPY,
    ZSTD,
    /** The chunk's own codec when it is SNAPPY or ZSTD, else UNCOMPRESSED. */
    AS_SOURCE
  }

  public RepagingConfig {
    requireNonNull(codec, "codec is null");
    if (triggerPageBytes < 1024 || targetPageBytes < 64 || targetPageBytes >= triggerPageBytes) {
      throw new IllegalArgumentException("need 64 <= targetPageBytes < triggerPageBytes, triggerPageBytes >= 1024: "
          + targetPageBytes + ", " + triggerPageBytes);
    }
    if (maxPageRows < 1 || keyPageRows < 1 || threads < 1 || queuedChunks < 1 || maxChunkBytes < 1 || maxChunkBytes > Integer.MAX_VALUE - 64) {
      throw new IllegalArgumentException("maxPageRows, keyPageRows, threads, queuedChunks must be positive and maxChunkBytes"
          + " in [1, 2 GiB): " + maxPageRows + ", " + keyPageRows + ", " + threads + ", " + queuedChunks + ", " + maxChunkBytes);
    }
  }

  /**
   * On; pages over 64 KiB trigger (below that, a layout such as {@code needle gen --shape rag}, 8
   * rows of 1-4 KiB text per page, would only get more pages per lookup); 8 KiB pages (before
   * compression) of at most 1,024 rows, 32 rows for the key column. Why 1,024: parquet-java's
   * default limit, 20,000 rows, is still 160 KB of doubles to decode for one row, and DuckDB's
   * 4,096-row pages are 15-60 KB of ZSTD or delta encodings, decompressed or decoded whole for one
   * row; at 1,024 they are re-paged too ({@code needle bench --layouts}: present-key wire bytes
   * those of the gen layout, and p50 within 1.5x of it on the DuckDB layouts, against 4-5x at
   * 4,096; BENCHMARKS.md). SNAPPY (measured on 1M-row tables: client decompress + decode
   * 50-110 µs per lookup, against 26-110 µs uncompressed and 185-195 µs ZSTD, for 3-4x less disk
   * than uncompressed); one thread; chunks up to 256 MiB. BENCHMARKS.md, "Re-paging", has the
   * numbers.
   */
  public static RepagingConfig defaults() {
    return new RepagingConfig(true, 64 << 10, 8 << 10, 1024, 32, PageCodec.SNAPPY, 1, 256, 256L << 20);
  }

  public static RepagingConfig disabled() {
    return defaults().withEnabled(false);
  }

  public RepagingConfig withEnabled(boolean newEnabled) {
    return new RepagingConfig(newEnabled, triggerPageBytes, targetPageBytes, maxPageRows, keyPageRows, codec, threads,
        queuedChunks, maxChunkBytes);
  }

  public RepagingConfig withCodec(PageCodec newCodec) {
    return new RepagingConfig(enabled, triggerPageBytes, targetPageBytes, maxPageRows, keyPageRows, newCodec, threads,
        queuedChunks, maxChunkBytes);
  }

  /** The same config with other page shapes and trigger. */
  public RepagingConfig withPages(int newTriggerPageBytes, int newTargetPageBytes, int newMaxPageRows, int newKeyPageRows) {
    return new RepagingConfig(enabled, newTriggerPageBytes, newTargetPageBytes, newMaxPageRows, newKeyPageRows, codec,
        threads, queuedChunks, maxChunkBytes);
  }
}
