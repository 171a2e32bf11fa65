package io.needle.testing;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The JSON form of row values, exactly as docs/values.md specifies it: no whitespace, fields in
 * order, floats by {@code Float.toString} with NaN and infinities as strings, byte arrays as
 * padded standard Base64, maps as arrays of {@code {"key":…,"value":…}}, strings escaping only
 * {@code "}, {@code \} and chars below U+0020 (as a backslash, {@code u00}, two hex digits, lowercase hex).
 *
 * <p>Written from the spec, independently of the client's {@code Row.toJson()}: the two are
 * compared byte for byte in lookup tests, so neither may borrow from the other.
 */
public final class ValueJson {
  private static final DateTimeFormatter TIME = DateTimeFormatter.ISO_LOCAL_TIME;
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private ValueJson() {}

  /** One row: an object of {@code names} to {@code values}, in that order. */
  public static String row(List<String> names, List<?> values) {
    if (names.size() != values.size()) {
      throw new IllegalArgumentException(names.size() + " names for " + values.size() + " values");
    }
    StringBuilder sb = new StringBuilder(64 + 16 * names.size());
    appendObject(sb, names, values);
    return sb.toString();
  }

  /** One row given as an insertion-ordered map of field name to value. */
  public static String row(Map<String, ?> fields) {
    return row(List.copyOf(fields.keySet()), new ArrayList<>(fields.values()));
  }

  /** One value of any type of docs/values.md, or an {@link OracleStruct}. */
  public static String value(Object value) {
    StringBuilder sb = new StringBuilder();
    append(sb, value);
    return sb.toString();
  }

  private static void appendObject(StringBuilder sb, List<String> names, List<?> values) {
    sb.append('{');
    for (int i = 0; i < names.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      appendString(sb, names.get(i));
      sb.append(':');
      append(sb, values.get(i));
    }
    sb.append('}');
  }

  private static void append(StringBuilder sb, Object v) {
    switch (v) {
      case null -> sb.append("null");
      case Boolean b -> sb.append(b.booleanValue());
      case Integer i -> sb.append(i.intValue());
      case Long l -> sb.append(l.longValue());
      case BigInteger bi -> sb.append(bi.toString());
      case Float f -> appendFloating(sb, f.isNaN() || f.isInfinite(), Float.toString(f));
      case Double d -> appendFloating(sb, d.isNaN() || d.isInfinite(), Double.toString(d));
      case String s -> appendString(sb, s);
      case byte[] bytes -> appendString(sb, Base64.getEncoder().encodeToString(bytes));
      case UUID u -> appendString(sb, u.toString());
      case LocalDate d -> appendString(sb, d.toString());
      case LocalTime t -> appendString(sb, TIME.format(t));
      case Instant t -> appendString(sb, t.toString());
      case BigDecimal d -> appendString(sb, d.toPlainString());
      case OracleStruct s -> appendObject(sb, s.names(), s.values());
      case List<?> list -> {
        sb.append('[');
        for (int i = 0; i < list.size(); i++) {
          if (i > 0) {
            sb.append(',');
          }
          append(sb, list.get(i));
        }
        sb.append(']');
      }
      case Map<?, ?> map -> {
        sb.append('[');
        Iterator<? extends Map.Entry<?, ?>> it = map.entrySet().iterator();
        while (it.hasNext()) {
          Map.Entry<?, ?> e = it.next();
          sb.append("{\"key\":");
          append(sb, e.getKey());
          sb.append(",\"value\":");
          append(sb, e.getValue());
          sb.append('}');
          if (it.hasNext()) {
            sb.append(',');
          }
        }
        sb.append(']');
      }
      default -> throw new IllegalArgumentException(
          "not a row value type of docs/values.md: " + v.getClass().getName());
    }
  }

  private static void appendFloating(StringBuilder sb, boolean special, String text) {
    if (special) {
      sb.append('"').append(text).append('"');
    } else {
      sb.append(text);
    }
  }

  private static void appendString(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"') {
        sb.append("\\\"");
      } else if (c == '\\') {
        sb.append("\\\\");
      } else if (c < 0x20) {
        sb.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
      } else {
        sb.append(c);
      }
    }
    sb.append('"');
  }
}
