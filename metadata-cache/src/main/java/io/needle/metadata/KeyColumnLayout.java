package io.needle.metadata;

import java.util.List;
import org.apache.parquet.column.ColumnDescriptor;

/**
 * Every page of one file version's key column, for a reader that indexes the whole column once
 * (the worker's key index): the column's descriptor and, per row group, its row count and the
 * key chunk's dictionary and data pages with their first rows.
 *
 * @param leaf the key column's leaf index
 * @param descriptor the key leaf as parquet-column reads it (physical type, definition levels)
 * @param rowGroups in file order, each with exactly one {@link ColumnPlan}: the key chunk
 */
public record KeyColumnLayout(FileVersion version, SchemaInfo schema, int leaf, ColumnDescriptor descriptor,
    List<RowGroupPlan> rowGroups, boolean unsigned) {

  /** Whether keys are compared as longs ({@link #normalise}) rather than as bytes. */
  public boolean integerKeys() {
    var type = descriptor.getPrimitiveType().getPrimitiveTypeName();
    return type == org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.INT32
        || type == org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.INT64;
  }

  /**
   * The key as {@link KeyRows#find(long, KeyRows.RowList)} receives it, from the value
   * parquet-column read: an INT32 column's int widened (zero-extended when unsigned), an
   * unsigned INT64's sign bit flipped, so that the planner's normalised keys match.
   */
  public long normalise(long physical, boolean int32) {
    if (int32) {
      return unsigned ? Integer.toUnsignedLong((int) physical) : (int) physical;
    }
    return unsigned ? physical ^ Long.MIN_VALUE : physical;
  }
}
