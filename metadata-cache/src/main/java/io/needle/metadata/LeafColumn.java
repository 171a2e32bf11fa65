package io.needle.metadata;

/**
 * One primitive (leaf) column of a file's schema, in schema order.
 *
 * @param index position among the leaves (the "leaf index" the client uses)
 * @param path dotted path from the root, e.g. {@code a.list.element}
 * @param type physical type
 * @param typeLength byte width of FIXED_LEN_BYTE_ARRAY values, 0 otherwise
 * @param maxRepetitionLevel 0 when no field on the path is repeated
 * @param maxDefinitionLevel 0 when every field on the path is required
 * @param topField index of the top-level field the leaf belongs to
 * @param topLevel the leaf is itself a top-level field
 * @param order how statistics of this column compare ({@link StatsOrder} decides)
 */
record LeafColumn(
    int index,
    String path,
    PhysicalType type,
    int typeLength,
    int maxRepetitionLevel,
    int maxDefinitionLevel,
    int topField,
    boolean topLevel,
    StatsOrder order) {

  boolean repeated() {
    return maxRepetitionLevel > 0;
  }

  /** Whether the planner accepts this column as a lookup key (shape and type only). */
  boolean usableAsKey() {
    return topLevel
        && maxRepetitionLevel == 0
        && (type == PhysicalType.INT32
            || type == PhysicalType.INT64
            || type == PhysicalType.BYTE_ARRAY
            || type == PhysicalType.FIXED_LEN_BYTE_ARRAY);
  }

  /** Physical types, as the Parquet format names them. */
  enum PhysicalType {
    BOOLEAN, INT32, INT64, INT96, FLOAT, DOUBLE, BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY
  }
}
