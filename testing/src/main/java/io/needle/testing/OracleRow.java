package io.needle.testing;

import static java.util.Objects.requireNonNull;

/**
 * One row of a file as parquet-java's reader returns it, with where it sits: row group, row
 * index within the row group, row index within the file (all 0-based). {@code fields} holds
 * every top-level column in schema order, as the Java values of docs/values.md.
 */
public record OracleRow(int rowGroup, long rowInGroup, long rowInFile, OracleStruct fields) {
  public OracleRow {
    requireNonNull(fields, "fields is null");
  }

  /** The value of top-level field {@code name}, possibly null. */
  public Object get(String name) {
    return fields.get(name);
  }
}
