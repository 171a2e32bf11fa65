package io.needle.decode;

import org.apache.parquet.io.ParquetDecodingException;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.DecimalLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.IntLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.TimeLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.TimestampLogicalTypeAnnotation;
import org.apache.parquet.schema.PrimitiveType;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.UUID;

/**
 * One primitive value: converts the physical value (as a value decoder or parquet's column reader
 * gives it) into its Java value of {@code docs/values.md} by the column's {@link Kind}, and hands
 * it to its {@link Slot}. The direct path ({@link FlatColumnLookup}) and parquet's record assembly
 * ({@link RowMaterializer}) both convert through here, so both give identical values.
 */
final class ValueConverter extends PrimitiveConverter {
  /** A value's receiver in its parent: a field slot, a list, a map entry. */
  interface Slot {
    void set(Object value);
  }

  /** How a primitive's physical value becomes its Java value. */
  enum Kind {
    BOOLEAN, INT, UINT32, LONG, UINT64, FLOAT, DOUBLE, DATE, TIME_MILLIS, TIME_MICROS, TIME_NANOS,
    TIMESTAMP_MILLIS, TIMESTAMP_MICROS, TIMESTAMP_NANOS, DECIMAL, STRING, UUID, FLOAT16, INT96, BYTES
  }

  static Kind kindOf(PrimitiveType type) {
    LogicalTypeAnnotation logical = type.getLogicalTypeAnnotation();
    switch (type.getPrimitiveTypeName()) {
      case BOOLEAN:
        return Kind.BOOLEAN;
      case INT32:
        if (logical instanceof IntLogicalTypeAnnotation i && !i.isSigned() && i.getBitWidth() == 32) {
          return Kind.UINT32;
        } else if (logical instanceof LogicalTypeAnnotation.DateLogicalTypeAnnotation) {
          return Kind.DATE;
        } else if (logical instanceof TimeLogicalTypeAnnotation) {
          return Kind.TIME_MILLIS;
        } else if (logical instanceof DecimalLogicalTypeAnnotation) {
          return Kind.DECIMAL;
        }
        return Kind.INT;
      case INT64:
        if (logical instanceof IntLogicalTypeAnnotation i && !i.isSigned()) {
          return Kind.UINT64;
        } else if (logical instanceof TimeLogicalTypeAnnotation t) {
          return switch (t.getUnit()) {
            case MILLIS -> Kind.TIME_MILLIS;
            case MICROS -> Kind.TIME_MICROS;
            case NANOS -> Kind.TIME_NANOS;
          };
        } else if (logical instanceof TimestampLogicalTypeAnnotation t) {
          return switch (t.getUnit()) {
            case MILLIS -> Kind.TIMESTAMP_MILLIS;
            case MICROS -> Kind.TIMESTAMP_MICROS;
            case NANOS -> Kind.TIMESTAMP_NANOS;
          };
        } else if (logical instanceof DecimalLogicalTypeAnnotation) {
          return Kind.DECIMAL;
        }
        return Kind.LONG;
      case INT96:
        return Kind.INT96;
      case FLOAT:
        return Kind.FLOAT;
      case DOUBLE:
        return Kind.DOUBLE;
      case BINARY:
      case FIXED_LEN_BYTE_ARRAY:
        if (logical instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation
            || logical instanceof LogicalTypeAnnotation.EnumLogicalTypeAnnotation
            || logical instanceof LogicalTypeAnnotation.JsonLogicalTypeAnnotation) {
          return Kind.STRING;
        } else if (logical instanceof DecimalLogicalTypeAnnotation) {
          return Kind.DECIMAL;
        } else if (logical instanceof LogicalTypeAnnotation.UUIDLogicalTypeAnnotation
            && type.getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY) {
          return Kind.UUID;
        } else if (logical instanceof LogicalTypeAnnotation.Float16LogicalTypeAnnotation
            && type.getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY) {
          return Kind.FLOAT16;
        }
        return Kind.BYTES;
      default:
        throw new IllegalArgumentException("unknown primitive type " + type);
    }
  }

  private static final long JULIAN_EPOCH_DAY = 2_440_588L;

  private final Kind kind;
  private final int scale;
  private final Slot out;

  ValueConverter(PrimitiveType type, Slot out) {
    this.kind = kindOf(type);
    this.scale = type.getLogicalTypeAnnotation() instanceof DecimalLogicalTypeAnnotation d ? d.getScale() : 0;
    this.out = out;
  }

  @Override
  public void addBoolean(boolean value) {
    out.set(value);
  }

  @Override
  public void addInt(int value) {
    out.set(switch (kind) {
      case UINT32 -> (Object) (value & 0xffffffffL);
      case DATE -> LocalDate.ofEpochDay(value);
      case TIME_MILLIS -> LocalTime.ofNanoOfDay(value * 1_000_000L);
      case DECIMAL -> BigDecimal.valueOf(value, scale);
      default -> (Object) value;
    });
  }

  @Override
  public void addLong(long value) {
    out.set(switch (kind) {
      case UINT64 -> value >= 0 ? BigInteger.valueOf(value) : BigInteger.valueOf(value).add(BigInteger.ONE.shiftLeft(64));
      case TIME_MILLIS -> LocalTime.ofNanoOfDay(Math.multiplyExact(value, 1_000_000L));
      case TIME_MICROS -> LocalTime.ofNanoOfDay(Math.multiplyExact(value, 1_000L));
      case TIME_NANOS -> LocalTime.ofNanoOfDay(value);
      case TIMESTAMP_MILLIS -> Instant.ofEpochMilli(value);
      case TIMESTAMP_MICROS -> Instant.ofEpochSecond(Math.floorDiv(value, 1_000_000L), Math.floorMod(value, 1_000_000L) * 1_000L);
      case TIMESTAMP_NANOS -> Instant.ofEpochSecond(Math.floorDiv(value, 1_000_000_000L), Math.floorMod(value, 1_000_000_000L));
      case DECIMAL -> BigDecimal.valueOf(value, scale);
      default -> (Object) value;
    });
  }

  @Override
  public void addFloat(float value) {
    out.set(value);
  }

  @Override
  public void addDouble(double value) {
    out.set(value);
  }

  @Override
  public void addBinary(Binary value) {
    out.set(switch (kind) {
      case STRING -> new String(value.getBytesUnsafe(), StandardCharsets.UTF_8);
      case DECIMAL -> decimal(value);
      case UUID -> uuid(value);
      case FLOAT16 -> float16(value);
      case INT96 -> int96(value);
      default -> value.getBytes();
    });
  }

  private BigDecimal decimal(Binary value) {
    byte[] bytes = value.getBytesUnsafe();
    if (bytes.length == 0) {
      throw new ParquetDecodingException("empty decimal value");
    }
    return new BigDecimal(new BigInteger(bytes), scale);
  }

  private static UUID uuid(Binary value) {
    byte[] b = value.getBytesUnsafe();
    if (b.length != 16) {
      throw new ParquetDecodingException("UUID value of " + b.length + " bytes");
    }
    return new UUID(java.nio.ByteBuffer.wrap(b).getLong(), java.nio.ByteBuffer.wrap(b).getLong(8));
  }

  private static Float float16(Binary value) {
    byte[] b = value.getBytesUnsafe();
    if (b.length != 2) {
      throw new ParquetDecodingException("FLOAT16 value of " + b.length + " bytes");
    }
    return HalfFloat.toFloat((short) ((b[1] & 0xff) << 8 | (b[0] & 0xff)));
  }

  private static Instant int96(Binary value) {
    byte[] b = value.getBytesUnsafe();
    if (b.length != 12) {
      throw new ParquetDecodingException("INT96 value of " + b.length + " bytes");
    }
    java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    long nanosOfDay = buffer.getLong(0);
    long julianDay = buffer.getInt(8);
    long days = julianDay - JULIAN_EPOCH_DAY;
    return Instant.ofEpochSecond(Math.multiplyExact(days, 86_400L), 0).plusNanos(nanosOfDay);
  }
}
