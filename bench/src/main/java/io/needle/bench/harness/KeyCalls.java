package io.needle.bench.harness;

import static java.util.Objects.requireNonNull;

/**
 * The calls of one scenario, fixed before any system runs so that every system gets the same:
 * call {@code i} asks {@code keys[i % n]} (one key, or a batch) and must find exactly
 * {@code expectedRows[i % n]} rows, what the table holds for those keys.
 */
public record KeyCalls(Object[][] keys, int[] expectedRows) {

  public KeyCalls {
    requireNonNull(keys, "keys is null");
    requireNonNull(expectedRows, "expectedRows is null");
    if (keys.length == 0 || keys.length != expectedRows.length) {
      throw new IllegalArgumentException("need as many expected row counts as calls, at least one: "
          + keys.length + " calls, " + expectedRows.length + " counts");
    }
  }

  public int size() {
    return keys.length;
  }
}
