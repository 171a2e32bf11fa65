package io.needle.testing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A struct (Parquet group) value as the oracle reads it: field names and values in schema
 * order. It stands where docs/values.md puts the client's {@code Row}; the oracle does not use
 * the client's class so that the two sides stay independent. Values may be null.
 */
public record OracleStruct(List<String> names, List<Object> values) {
  public OracleStruct {
    if (names.size() != values.size()) {
      throw new IllegalArgumentException(names.size() + " names for " + values.size() + " values");
    }
    names = List.copyOf(names);
    values = Collections.unmodifiableList(new ArrayList<>(values));
  }

  /** The value of field {@code name}, possibly null. */
  public Object get(String name) {
    int i = names.indexOf(name);
    if (i < 0) {
      throw new IllegalArgumentException("no field " + name + " in " + names);
    }
    return values.get(i);
  }

  /** This struct as JSON per docs/values.md. */
  public String toJson() {
    return ValueJson.value(this);
  }
}
