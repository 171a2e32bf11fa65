package io.needle.client;

import io.needle.decode.ValueJson;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * One row of a lookup, or one struct value inside a row: named fields in a fixed order.
 *
 * <p>Values have the Java types listed in {@code docs/values.md}: {@code Boolean},
 * {@code Integer}, {@code Long}, {@code BigInteger} (UINT_64), {@code Float}, {@code Double},
 * {@code String}, {@code byte[]}, {@code UUID}, {@code LocalDate}, {@code LocalTime},
 * {@code Instant}, {@code BigDecimal}, {@code List<Object>}, {@code Map<Object,Object>}
 * (insertion-ordered), a nested {@code Row} for a struct, or {@code null}.
 *
 * <p>A row is immutable once built and safe to share between threads; {@code byte[]} values are
 * handed out as copies. Lists and maps are unmodifiable.
 */
public final class Row {

  private final String[] names;
  private final Object[] values;

  private Row(String[] names, Object[] values) {
    this.names = names;
    this.values = values;
  }

  /**
   * A row of these fields, for code that builds rows itself (tests, other transports): copies
   * both arrays, so the caller's stay its own. Lists and maps among the values must already be
   * unmodifiable.
   *
   * @throws IllegalArgumentException when the arrays differ in length
   */
  public static Row of(String[] names, Object[] values) {
    return decoded(names.clone(), values.clone());
  }

  /**
   * The client's decoder's rows: takes over both arrays, which it never touches again (several
   * rows share one names array); no copy on the lookup path.
   */
  static Row decoded(String[] names, Object[] values) {
    if (names.length != values.length) {
      throw new IllegalArgumentException(names.length + " names for " + values.length + " values");
    }
    return new Row(names, values);
  }

  /** Number of fields. */
  public int size() {
    return values.length;
  }

  /** The name of field {@code index}. */
  public String name(int index) {
    return names[index];
  }

  /** The field names, in order. */
  public List<String> names() {
    return List.of(names);
  }

  /** The value of field {@code index}, possibly null; a {@code byte[]} comes as a copy. */
  public Object get(int index) {
    Object value = values[index];
    return value instanceof byte[] bytes ? bytes.clone() : value;
  }

  /**
   * The value of the field named {@code name}, possibly null.
   *
   * @throws IllegalArgumentException when the row has no field of that name
   */
  public Object get(String name) {
    return get(indexOf(name));
  }

  /**
   * The position of the field named {@code name}.
   *
   * @throws IllegalArgumentException when the row has no field of that name
   */
  public int indexOf(String name) {
    for (int i = 0; i < names.length; i++) {
      if (names[i].equals(name)) {
        return i;
      }
    }
    throw new IllegalArgumentException("no field '" + name + "' in row of " + Arrays.toString(names));
  }

  /** True when field {@code index} is null. */
  public boolean isNull(int index) {
    return values[index] == null;
  }

  /** True when the field named {@code name} is null; IllegalArgumentException for an unknown name. */
  public boolean isNull(String name) {
    return isNull(indexOf(name));
  }

  /**
   * Field {@code index} as a long: a Long, or an Integer widened.
   *
   * @throws NullPointerException when the value is null
   * @throws ClassCastException when the value is of another type
   */
  public long getLong(int index) {
    Object value = nonNull(index);
    if (value instanceof Integer i) {
      return i;
    }
    return (Long) value;
  }

  /** As {@link #getLong(int)}, by name. */
  public long getLong(String name) {
    return getLong(indexOf(name));
  }

  /**
   * Field {@code index} as an int (an Integer).
   *
   * @throws NullPointerException when the value is null
   * @throws ClassCastException when the value is of another type
   */
  public int getInt(int index) {
    return (Integer) nonNull(index);
  }

  /** As {@link #getInt(int)}, by name. */
  public int getInt(String name) {
    return getInt(indexOf(name));
  }

  /**
   * Field {@code index} as a double: a Double, or a Float widened.
   *
   * @throws NullPointerException when the value is null
   * @throws ClassCastException when the value is of another type
   */
  public double getDouble(int index) {
    Object value = nonNull(index);
    if (value instanceof Float f) {
      return f;
    }
    return (Double) value;
  }

  /** As {@link #getDouble(int)}, by name. */
  public double getDouble(String name) {
    return getDouble(indexOf(name));
  }

  /**
   * Field {@code index} as a float (a Float).
   *
   * @throws NullPointerException when the value is null
   * @throws ClassCastException when the value is of another type
   */
  public float getFloat(int index) {
    return (Float) nonNull(index);
  }

  /** As {@link #getFloat(int)}, by name. */
  public float getFloat(String name) {
    return getFloat(indexOf(name));
  }

  /**
   * Field {@code index} as a boolean (a Boolean).
   *
   * @throws NullPointerException when the value is null
   * @throws ClassCastException when the value is of another type
   */
  public boolean getBoolean(int index) {
    return (Boolean) nonNull(index);
  }

  /** As {@link #getBoolean(int)}, by name. */
  public boolean getBoolean(String name) {
    return getBoolean(indexOf(name));
  }

  /** Field {@code index} as a String, or null. @throws ClassCastException for another type */
  public String getString(int index) {
    return (String) values[index];
  }

  /** As {@link #getString(int)}, by name. */
  public String getString(String name) {
    return getString(indexOf(name));
  }

  /** A copy of field {@code index}'s bytes, or null. @throws ClassCastException for another type */
  public byte[] getBytes(int index) {
    byte[] bytes = (byte[]) values[index];
    return bytes == null ? null : bytes.clone();
  }

  /** As {@link #getBytes(int)}, by name. */
  public byte[] getBytes(String name) {
    return getBytes(indexOf(name));
  }

  /** Field {@code index} as a BigDecimal, or null. @throws ClassCastException for another type */
  public BigDecimal getDecimal(int index) {
    return (BigDecimal) values[index];
  }

  /** As {@link #getDecimal(int)}, by name. */
  public BigDecimal getDecimal(String name) {
    return getDecimal(indexOf(name));
  }

  /** Field {@code index} as a LocalDate, or null. @throws ClassCastException for another type */
  public LocalDate getDate(int index) {
    return (LocalDate) values[index];
  }

  /** As {@link #getDate(int)}, by name. */
  public LocalDate getDate(String name) {
    return getDate(indexOf(name));
  }

  /** Field {@code index} as a LocalTime, or null. @throws ClassCastException for another type */
  public LocalTime getTime(int index) {
    return (LocalTime) values[index];
  }

  /** As {@link #getTime(int)}, by name. */
  public LocalTime getTime(String name) {
    return getTime(indexOf(name));
  }

  /** Field {@code index} as an Instant, or null. @throws ClassCastException for another type */
  public Instant getInstant(int index) {
    return (Instant) values[index];
  }

  /** As {@link #getInstant(int)}, by name. */
  public Instant getInstant(String name) {
    return getInstant(indexOf(name));
  }

  /** Field {@code index} as a UUID, or null. @throws ClassCastException for another type */
  public UUID getUuid(int index) {
    return (UUID) values[index];
  }

  /** As {@link #getUuid(int)}, by name. */
  public UUID getUuid(String name) {
    return getUuid(indexOf(name));
  }

  /** Field {@code index} as an unmodifiable List, or null. @throws ClassCastException for another type */
  @SuppressWarnings("unchecked")
  public List<Object> getList(int index) {
    return (List<Object>) values[index];
  }

  /** As {@link #getList(int)}, by name. */
  public List<Object> getList(String name) {
    return getList(indexOf(name));
  }

  /** Field {@code index} as an unmodifiable, insertion-ordered Map, or null. @throws ClassCastException for another type */
  @SuppressWarnings("unchecked")
  public Map<Object, Object> getMap(int index) {
    return (Map<Object, Object>) values[index];
  }

  /** As {@link #getMap(int)}, by name. */
  public Map<Object, Object> getMap(String name) {
    return getMap(indexOf(name));
  }

  /** Field {@code index} as a struct Row, or null. @throws ClassCastException for another type */
  public Row getRow(int index) {
    return (Row) values[index];
  }

  /** As {@link #getRow(int)}, by name. */
  public Row getRow(String name) {
    return getRow(indexOf(name));
  }

  /**
   * The row as one JSON object without whitespace, fields in order, values as
   * {@code docs/values.md} specifies (e.g. {@code {"id":1,"name":"x","tags":["a"]}}).
   */
  public String toJson() {
    return JSON.toJson(this);
  }

  /** Appends {@link #toJson()}'s text to {@code out}, for writers of many rows. */
  public void appendJson(StringBuilder out) {
    JSON.appendObject(out, this);
  }

  /** The one JSON writer of docs/values.md, shared with the worker's HTTP answers. */
  static final ValueJson<Row> JSON = new ValueJson<>(Row.class, new ValueJson.StructAccessor<>() {
    @Override
    public int size(Row row) {
      return row.values.length;
    }

    @Override
    public String name(Row row, int index) {
      return row.names[index];
    }

    @Override
    public Object value(Row row, int index) {
      return row.values[index];
    }
  });

  private Object nonNull(int index) {
    Object value = values[index];
    if (value == null) {
      throw new NullPointerException("field '" + names[index] + "' is null");
    }
    return value;
  }

  /** Equal when the names and values are equal; arrays compare by content, maps in entry order. */
  @Override
  public boolean equals(Object o) {
    return o instanceof Row other && Arrays.equals(names, other.names) && deepEquals(values, other.values);
  }

  @Override
  public int hashCode() {
    int h = Arrays.hashCode(names);
    for (Object v : values) {
      h = 31 * h + deepHash(v);
    }
    return h;
  }

  /** The row's JSON form. */
  @Override
  public String toString() {
    return toJson();
  }

  private static boolean deepEquals(Object[] a, Object[] b) {
    if (a.length != b.length) {
      return false;
    }
    for (int i = 0; i < a.length; i++) {
      if (!deepEquals(a[i], b[i])) {
        return false;
      }
    }
    return true;
  }

  private static boolean deepEquals(Object a, Object b) {
    if (a == b) {
      return true;
    }
    if (a == null || b == null) {
      return false;
    }
    if (a instanceof byte[] x && b instanceof byte[] y) {
      return Arrays.equals(x, y);
    }
    if (a instanceof List<?> x && b instanceof List<?> y) {
      if (x.size() != y.size()) {
        return false;
      }
      Iterator<?> i = x.iterator();
      Iterator<?> j = y.iterator();
      while (i.hasNext()) {
        if (!deepEquals(i.next(), j.next())) {
          return false;
        }
      }
      return true;
    }
    if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
      if (x.size() != y.size()) {
        return false;
      }
      Iterator<? extends Map.Entry<?, ?>> i = x.entrySet().iterator();
      Iterator<? extends Map.Entry<?, ?>> j = y.entrySet().iterator();
      while (i.hasNext()) {
        Map.Entry<?, ?> e = i.next();
        Map.Entry<?, ?> f = j.next();
        if (!deepEquals(e.getKey(), f.getKey()) || !deepEquals(e.getValue(), f.getValue())) {
          return false;
        }
      }
      return true;
    }
    return a.equals(b);
  }

  private static int deepHash(Object v) {
    if (v == null) {
      return 0;
    }
    if (v instanceof byte[] bytes) {
      return Arrays.hashCode(bytes);
    }
    if (v instanceof List<?> list) {
      int h = 1;
      for (Object e : list) {
        h = 31 * h + deepHash(e);
      }
      return h;
    }
    if (v instanceof Map<?, ?> map) {
      int h = 7;
      for (Map.Entry<?, ?> e : map.entrySet()) {
        h = 31 * h + (deepHash(e.getKey()) ^ deepHash(e.getValue()));
      }
      return h;
    }
    return v.hashCode();
  }
}
