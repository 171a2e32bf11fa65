package io.needle.decode;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static java.util.Objects.requireNonNull;

/**
 * The one writer of row values as JSON, in the forms {@code docs/values.md} specifies: no
 * whitespace, fields in order, floats by {@code Float.toString} with NaN and infinities as
 * strings, byte arrays as padded standard Base64, maps as arrays of {@code {"key":…,"value":…}},
 * strings escaping only {@code "}, {@code \} and chars below U+0020.
 *
 * <p>Generic in the caller's struct type (the client's {@code Row}, or any other row a
 * {@link RowFactory} builds), read through a {@link StructAccessor}; so the client's
 * {@code Row.toJson} and the worker's HTTP answers write the same bytes. Thread-safe.
 *
 * @param <S> the struct (row) type
 */
public final class ValueJson<S> {
  private static final DateTimeFormatter TIME = DateTimeFormatter.ISO_LOCAL_TIME;
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  /** How the writer reads a struct: its fields in order, names and values. */
  public interface StructAccessor<S> {
    int size(S struct);

    String name(S struct, int index);

    /** The value as stored (a {@code byte[]} need not be copied: it is only read). */
    Object value(S struct, int index);
  }

  private final Class<S> structType;
  private final StructAccessor<S> accessor;

  public ValueJson(Class<S> structType, StructAccessor<S> accessor) {
    this.structType = requireNonNull(structType, "structType is null");
    this.accessor = requireNonNull(accessor, "accessor is null");
  }

  /** One struct as a JSON object, fields in order. */
  public String toJson(S struct) {
    StringBuilder out = new StringBuilder(16 * accessor.size(struct) + 2);
    appendObject(out, struct);
    return out.toString();
  }

  /** Appends {@code struct} as a JSON object. */
  public void appendObject(StringBuilder out, S struct) {
    out.append('{');
    int n = accessor.size(struct);
    for (int i = 0; i < n; i++) {
      if (i > 0) {
        out.append(',');
      }
      appendString(out, accessor.name(struct, i));
      out.append(':');
      appendValue(out, accessor.value(struct, i));
    }
    out.append('}');
  }

  /** Appends any value of the types docs/values.md lists, or a struct of this writer's type. */
  public void appendValue(StringBuilder out, Object value) {
    if (value == null) {
      out.append("null");
    } else if (value instanceof String s) {
      appendString(out, s);
    } else if (value instanceof Integer || value instanceof Long || value instanceof BigInteger
        || value instanceof Boolean) {
      out.append(value);
    } else if (value instanceof Double d) {
      if (d.isNaN() || d.isInfinite()) {
        out.append('"').append(d).append('"');
      } else {
        out.append(d.doubleValue());
      }
    } else if (value instanceof Float f) {
      if (f.isNaN() || f.isInfinite()) {
        out.append('"').append(f).append('"');
      } else {
        out.append(f.floatValue());
      }
    } else if (value instanceof byte[] bytes) {
      out.append('"').append(Base64.getEncoder().encodeToString(bytes)).append('"');
    } else if (value instanceof BigDecimal d) {
      out.append('"').append(d.toPlainString()).append('"');
    } else if (value instanceof LocalTime t) {
      out.append('"').append(TIME.format(t)).append('"');
    } else if (value instanceof UUID || value instanceof LocalDate || value instanceof Instant) {
      out.append('"').append(value).append('"');
    } else if (structType.isInstance(value)) {
      appendObject(out, structType.cast(value));
    } else if (value instanceof List<?> list) {
      appendList(out, list);
    } else if (value instanceof Map<?, ?> map) {
      appendMap(out, map);
    } else {
      appendString(out, value.toString());
    }
  }

  private void appendList(StringBuilder out, List<?> list) {
    out.append('[');
    boolean first = true;
    for (Object element : list) {
      if (!first) {
        out.append(',');
      }
      first = false;
      appendValue(out, element);
    }
    out.append(']');
  }

  private void appendMap(StringBuilder out, Map<?, ?> map) {
    out.append('[');
    boolean first = true;
    for (Map.Entry<?, ?> e : map.entrySet()) {
      if (!first) {
        out.append(',');
      }
      first = false;
      out.append("{\"key\":");
      appendValue(out, e.getKey());
      out.append(",\"value\":");
      appendValue(out, e.getValue());
      out.append('}');
    }
    out.append(']');
  }

  /** Appends {@code s} as a JSON string with exactly the escapes of docs/values.md. */
  public static void appendString(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20) {
        out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xf]);
      } else {
        out.append(c);
      }
    }
    out.append('"');
  }
}
