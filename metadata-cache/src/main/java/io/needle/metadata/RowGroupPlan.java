package io.needle.metadata;

import java.util.List;

/**
 * The pages of one row group that may hold a key.
 *
 * @param columns the key column first, then every leaf of the requested fields in schema order
 *     (a field that is itself the key column appears once, as the first entry)
 */
public record RowGroupPlan(int rowGroup, long rowCount, List<ColumnPlan> columns) {}
