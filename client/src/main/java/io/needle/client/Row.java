package io.needle.client;

/**
 * One row of a lookup: the requested fields, in the requested order. Stub: implementation
 * pending (see the decoder brief for the value types).
 */
public final class Row {
  private final String[] names;
  private final Object[] values;

  private Row(String[] names, Object[] values) {
    this.names = names;
    this.values = values;
  }

  /** For decoders: takes over both arrays, which must not change afterwards. */
  public static Row of(String[] names, Object[] values) {
    if (names.length != values.length) {
      throw new IllegalArgumentException(names.length + " names for " + values.length + " values");
    }
    return new Row(names, values);
  }

  public int size() {
    return values.length;
  }

  public Object get(int index) {
    return values[index];
  }

  public String name(int index) {
    return names[index];
  }
}
