package io.needle.bench;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.List;

/**
 * {@code needle bench --table}: measure lookups on the user's own Parquet table instead of
 * generated ones.
 *
 * @param location a Parquet file, or a directory of them ({@code .parquet} files, recursively;
 *     names starting with {@code .} or {@code _} skipped, as the worker lists tables)
 * @param keyColumn the column looked up: a top-level int32, int64 or string column
 * @param columns the columns every call reads; empty for every top-level column. The key column
 *     is read in any case, first, so that each answer's keys are checked.
 */
public record UserTableSpec(Path location, String keyColumn, List<String> columns) {

  public UserTableSpec {
    requireNonNull(location, "location is null");
    requireNonNull(keyColumn, "keyColumn is null");
    if (keyColumn.isBlank()) {
      throw new IllegalArgumentException("keyColumn is blank");
    }
    columns = List.copyOf(columns);
  }
}
