package io.needle.decode;

import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.DecimalLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.IntLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.TimeLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.TimeUnit;
import org.apache.parquet.schema.LogicalTypeAnnotation.TimestampLogicalTypeAnnotation;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.UUID;

/**
 * How keys of one key column travel: as {@code long} (INT32 and INT64 columns, whatever their
 * logical type) or as bytes (BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY columns). Converts the Java
 * values applications pass, and the text the CLI reads, into that form.
 *
 * <p>The long form is the column's physical value as the decoder reads it: an INT32 value
 * sign-extended to 64 bits (so a UINT_32 key above 2^31 travels as a negative long), an INT64
 * value as is (a UINT_64 key above 2^63 as a negative long). Dates are epoch days, times and
 * timestamps count the column's unit, decimals are the unscaled value. Integral numbers are
 * accepted for any INT32/INT64 column as that physical value, except for decimals, where a number
 * means the decimal value (5 is 5.00 in a scale-2 column).
 *
 * <p>Bytes keys are compared byte for byte with the column's values: a decimal in a BYTE_ARRAY
 * column is encoded as the minimal two's-complement of its unscaled value (what writers produce),
 * in a FIXED_LEN_BYTE_ARRAY column sign-extended to the column's length. Immutable, thread-safe.
 */
public final class KeyType {
  private final String column;
  private final PrimitiveType type;
  private final LogicalTypeAnnotation logical;

  private KeyType(String column, PrimitiveType type) {
    this.column = column;
    this.type = type;
    this.logical = type.getLogicalTypeAnnotation();
  }

  static KeyType of(String column, PrimitiveType type) throws DecodeException {
    switch (type.getPrimitiveTypeName()) {
      case INT32, INT64, BINARY, FIXED_LEN_BYTE_ARRAY -> {
        return new KeyType(column, type);
      }
      default -> throw new DecodeException(DecodeException.Kind.UNSUPPORTED,
          "key column '" + column + "' has type " + type + ": keys must be INT32, INT64, BYTE_ARRAY or FIXED_LEN_BYTE_ARRAY");
    }
  }

  /** The key column's name. */
  public String column() {
    return column;
  }

  /** The key column's parquet type. */
  public PrimitiveType parquetType() {
    return type;
  }

  /** True when keys travel as longs. */
  public boolean isLong() {
    PrimitiveTypeName p = type.getPrimitiveTypeName();
    return p == PrimitiveTypeName.INT32 || p == PrimitiveTypeName.INT64;
  }

  /** A Java key (Long, Integer, LocalDate, Instant, BigDecimal, ...) as a long. */
  public long toLong(Object key) throws DecodeException {
    if (!isLong()) {
      throw invalid(key, "keys of this column travel as bytes");
    }
    if (key == null) {
      throw invalid(null, "a key cannot be null");
    }
    boolean int32 = type.getPrimitiveTypeName() == PrimitiveTypeName.INT32;
    if (logical instanceof DecimalLogicalTypeAnnotation decimal) {
      BigInteger unscaled = unscaled(key, decimal);
      return int32 ? checkedInt32(unscaled, key) : checkedInt64(unscaled, key);
    }
    long value;
    if (key instanceof LocalDate date && logical instanceof LogicalTypeAnnotation.DateLogicalTypeAnnotation) {
      value = date.toEpochDay();
    } else if (key instanceof LocalTime time && logical instanceof TimeLogicalTypeAnnotation t) {
      value = inUnit(time.toNanoOfDay(), t.getUnit());
    } else if (key instanceof Instant instant && logical instanceof TimestampLogicalTypeAnnotation t) {
      value = instantInUnit(instant, t.getUnit(), key);
    } else if (key instanceof Long || key instanceof Integer || key instanceof Short || key instanceof Byte) {
      value = ((Number) key).longValue();
      return int32 ? checkedInt32(BigInteger.valueOf(value), key) : value;
    } else if (key instanceof BigInteger big) {
      return int32 ? checkedInt32(big, key) : checkedInt64(big, key);
    } else {
      throw invalid(key, "expected " + expectedJavaTypes());
    }
    if (int32 && (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE)) {
      throw invalid(key, "out of the INT32 range");
    }
    return value;
  }

  /** A Java key (String, byte[], UUID, BigDecimal, ...) as bytes. */
  public byte[] toBytes(Object key) throws DecodeException {
    if (isLong()) {
      throw invalid(key, "keys of this column travel as longs");
    }
    if (key == null) {
      throw invalid(null, "a key cannot be null");
    }
    byte[] bytes;
    if (key instanceof byte[] b) {
      bytes = b.clone();
    } else if (key instanceof String s) {
      bytes = s.getBytes(StandardCharsets.UTF_8);
    } else if (key instanceof UUID uuid) {
      bytes = ByteBuffer.allocate(16).putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits()).array();
    } else if (key instanceof ByteBuffer buffer) {
      bytes = new byte[buffer.remaining()];
      buffer.duplicate().get(bytes);
    } else if (logical instanceof LogicalTypeAnnotation.Float16LogicalTypeAnnotation && key instanceof Float f) {
      if (f.isNaN()) {
        // NaN has many bit patterns and equals nothing, not even itself: it names no row.
        throw invalid(key, "NaN is not a key");
      }
      short half = HalfFloat.fromFloat(f); // IEEE half precision, stored little-endian
      bytes = new byte[] {(byte) half, (byte) (half >>> 8)};
    } else if (logical instanceof DecimalLogicalTypeAnnotation decimal
        && (key instanceof BigDecimal || key instanceof Long || key instanceof Integer || key instanceof BigInteger)) {
      bytes = unscaled(key, decimal).toByteArray();
      if (type.getPrimitiveTypeName() == PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY) {
        bytes = signExtend(bytes, type.getTypeLength(), key);
      }
    } else {
      throw invalid(key, "expected " + expectedJavaTypes());
    }
    if (type.getPrimitiveTypeName() == PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY && bytes.length != type.getTypeLength()) {
      throw invalid(key, "is " + bytes.length + " bytes, the column holds " + type.getTypeLength() + "-byte values");
    }
    return bytes;
  }

  /** Parses CLI text into the Java value {@link #toLong} or {@link #toBytes} accepts. */
  public Object parseText(String text) throws DecodeException {
    if (text == null) {
      throw invalid(null, "a key cannot be null");
    }
    try {
      if (logical instanceof DecimalLogicalTypeAnnotation) {
        return new BigDecimal(text.trim());
      }
      if (isLong()) {
        return parseLongText(text.trim());
      }
      if (logical instanceof LogicalTypeAnnotation.UUIDLogicalTypeAnnotation) {
        return UUID.fromString(text.trim());
      }
      if (logical instanceof LogicalTypeAnnotation.Float16LogicalTypeAnnotation) {
        return Float.parseFloat(text.trim());
      }
      if (logical instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation
          || logical instanceof LogicalTypeAnnotation.EnumLogicalTypeAnnotation
          || logical instanceof LogicalTypeAnnotation.JsonLogicalTypeAnnotation) {
        return text;
      }
      return Base64.getDecoder().decode(text.trim());
    } catch (IllegalArgumentException | DateTimeParseException | ArithmeticException e) {
      throw invalid(text, "cannot parse (" + e.getMessage() + "); expected " + expectedText());
    }
  }

  private Object parseLongText(String text) {
    if (logical instanceof LogicalTypeAnnotation.DateLogicalTypeAnnotation && text.indexOf('-', 1) > 0) {
      return LocalDate.parse(text);
    }
    if (logical instanceof TimeLogicalTypeAnnotation && text.indexOf(':') > 0) {
      return LocalTime.parse(text);
    }
    if (logical instanceof TimestampLogicalTypeAnnotation && text.indexOf('-', 1) > 0) {
      if (text.endsWith("Z") || text.endsWith("z") || text.matches(".*[+-]\\d\\d:?\\d\\d$")) {
        return java.time.OffsetDateTime.parse(text).toInstant();
      }
      return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC);
    }
    return new BigInteger(text);
  }

  private BigInteger unscaled(Object key, DecimalLogicalTypeAnnotation decimal) throws DecodeException {
    BigDecimal value;
    if (key instanceof BigDecimal d) {
      value = d;
    } else if (key instanceof BigInteger i) {
      value = new BigDecimal(i);
    } else if (key instanceof Long || key instanceof Integer || key instanceof Short || key instanceof Byte) {
      value = BigDecimal.valueOf(((Number) key).longValue());
    } else {
      throw invalid(key, "expected a BigDecimal for a decimal column");
    }
    try {
      return value.setScale(decimal.getScale(), RoundingMode.UNNECESSARY).unscaledValue();
    } catch (ArithmeticException e) {
      throw invalid(key, "is not exactly representable with scale " + decimal.getScale());
    }
  }

  private long checkedInt32(BigInteger value, Object key) throws DecodeException {
    if (isUnsigned()) {
      int bits = ((IntLogicalTypeAnnotation) logical).getBitWidth();
      if (value.signum() < 0 || value.bitLength() > bits) {
        throw invalid(key, "out of the UINT_" + bits + " range");
      }
      return value.intValue(); // two's complement of the unsigned value, as the column stores it
    }
    int bits = logical instanceof IntLogicalTypeAnnotation i ? i.getBitWidth() : 32;
    if (value.bitLength() > bits - 1) {
      throw invalid(key, "out of the INT" + bits + " range");
    }
    return value.longValue();
  }

  private long checkedInt64(BigInteger value, Object key) throws DecodeException {
    if (isUnsigned()) {
      if (value.signum() < 0 || value.bitLength() > 64) {
        throw invalid(key, "out of the UINT_64 range");
      }
      return value.longValue();
    }
    if (value.bitLength() > 63) {
      throw invalid(key, "out of the INT64 range");
    }
    return value.longValue();
  }

  private boolean isUnsigned() {
    return logical instanceof IntLogicalTypeAnnotation i && !i.isSigned();
  }

  private static long inUnit(long nanos, TimeUnit unit) {
    return switch (unit) {
      case MILLIS -> nanos / 1_000_000L;
      case MICROS -> nanos / 1_000L;
      case NANOS -> nanos;
    };
  }

  private long instantInUnit(Instant instant, TimeUnit unit, Object key) throws DecodeException {
    try {
      return switch (unit) {
        case MILLIS -> instant.toEpochMilli();
        case MICROS -> Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000L);
        case NANOS -> Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano());
      };
    } catch (ArithmeticException e) {
      throw invalid(key, "out of the range of a " + unit + " timestamp");
    }
  }

  private byte[] signExtend(byte[] minimal, int length, Object key) throws DecodeException {
    if (minimal.length > length) {
      throw invalid(key, "needs " + minimal.length + " bytes, the column holds " + length);
    }
    byte[] out = new byte[length];
    byte fill = (byte) (minimal[0] < 0 ? 0xff : 0);
    java.util.Arrays.fill(out, 0, length - minimal.length, fill);
    System.arraycopy(minimal, 0, out, length - minimal.length, minimal.length);
    return out;
  }

  private String expectedJavaTypes() {
    if (logical instanceof DecimalLogicalTypeAnnotation) {
      return "a BigDecimal";
    } else if (logical instanceof LogicalTypeAnnotation.DateLogicalTypeAnnotation) {
      return "a LocalDate or an integral epoch day";
    } else if (logical instanceof TimeLogicalTypeAnnotation) {
      return "a LocalTime or an integral time of day in the column's unit";
    } else if (logical instanceof TimestampLogicalTypeAnnotation) {
      return "an Instant or an integral timestamp in the column's unit";
    } else if (isLong()) {
      return "a Long, Integer, Short, Byte or BigInteger";
    } else if (logical instanceof LogicalTypeAnnotation.UUIDLogicalTypeAnnotation) {
      return "a UUID or 16 bytes";
    } else if (logical instanceof LogicalTypeAnnotation.Float16LogicalTypeAnnotation) {
      return "a Float or its 2 little-endian half-precision bytes";
    }
    return "a String, byte[] or ByteBuffer";
  }

  private String expectedText() {
    if (logical instanceof DecimalLogicalTypeAnnotation) {
      return "a decimal number";
    } else if (logical instanceof LogicalTypeAnnotation.DateLogicalTypeAnnotation) {
      return "a date like 2024-01-31";
    } else if (logical instanceof TimeLogicalTypeAnnotation) {
      return "a time like 10:15:30";
    } else if (logical instanceof TimestampLogicalTypeAnnotation) {
      return "an ISO instant like 2024-01-31T10:15:30Z";
    } else if (isLong()) {
      return "an integer";
    } else if (logical instanceof LogicalTypeAnnotation.UUIDLogicalTypeAnnotation) {
      return "a UUID";
    }
    return "base64 bytes";
  }

  private DecodeException invalid(Object key, String why) {
    return new DecodeException(DecodeException.Kind.INVALID_KEY,
        "key " + describe(key) + " for column '" + column + "' (" + type + "): " + why);
  }

  private static String describe(Object key) {
    if (key == null) {
      return "null";
    }
    if (key instanceof byte[] b) {
      return "byte[" + b.length + "]";
    }
    String text = key.toString();
    if (text.length() > 80) {
      text = text.substring(0, 80) + "...";
    }
    return "'" + text + "' (" + key.getClass().getSimpleName() + ")";
  }

  @Override
  public String toString() {
    return "KeyType{" + column + ": " + type + "}";
  }
}
