package io.needle.metadata;

import java.util.List;

/**
 * The pages of one leaf column of one row group that a lookup needs.
 *
 * @param leaf index of the leaf column in schema order
 * @param codec the column chunk's compression codec, as named by the Parquet format
 *     ({@code org.apache.parquet.format.CompressionCodec#name()}: UNCOMPRESSED, SNAPPY, GZIP,
 *     LZO, BROTLI, LZ4, ZSTD, LZ4_RAW)
 * @param dictionary the dictionary page, or null when the chunk has none
 * @param dataPages the data pages, ascending by offset
 */
public record ColumnPlan(int leaf, String codec, PageRef dictionary, List<PageRef> dataPages) {}
