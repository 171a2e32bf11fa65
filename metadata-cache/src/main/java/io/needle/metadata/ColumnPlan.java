package io.needle.metadata;

import java.util.List;
import org.apache.parquet.format.CompressionCodec;

/**
 * The pages of one leaf column of one row group that a lookup needs.
 *
 * @param leaf index of the leaf column in schema order
 * @param codec the column chunk's compression codec, as the Parquet footer names it
 * @param dictionary the dictionary page, or null when the chunk has none
 * @param dataPages the data pages, ascending by offset
 */
public record ColumnPlan(int leaf, CompressionCodec codec, PageRef dictionary, List<PageRef> dataPages) {}
