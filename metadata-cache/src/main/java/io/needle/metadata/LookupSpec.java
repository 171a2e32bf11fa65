package io.needle.metadata;

import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * What one lookup asks of one file.
 *
 * @param keyColumn dotted path of a top-level (non-repeated, primitive) column
 * @param keys the keys, in the key column's physical representation
 * @param fields top-level field names to return, in the caller's order; empty means all fields
 */
public record LookupSpec(String keyColumn, Keys keys, List<String> fields) {
  public LookupSpec {
    requireNonNull(keyColumn, "keyColumn is null");
    requireNonNull(keys, "keys is null");
    fields = List.copyOf(fields);
  }
}
