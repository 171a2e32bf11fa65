package io.needle.testing;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.DateLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.DecimalLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.EnumLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.Float16LogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.IntLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.JsonLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.ListLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.MapKeyValueTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.MapLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.StringLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.TimeLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.TimestampLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.UUIDLogicalTypeAnnotation;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Type.Repetition;

/**
 * Turns parquet-java's {@link Group} records into the Java values of docs/values.md, driven by
 * the schema alone.
 *
 * <p>Nesting follows the backward-compatibility rules of the Parquet spec (LogicalTypes.md,
 * "Lists" and "Maps", as clarified by parquet-format #466): in a {@code LIST} group, the repeated
 * child is itself the element when it is a primitive, a group of several fields, a group whose
 * one field is repeated, or a group named {@code array} or {@code <list>_tuple}; otherwise it is
 * the 3-level wrapper and its single field is the (possibly null) element. A {@code MAP} or
 * {@code MAP_KEY_VALUE} group holds one repeated group whose first field is the key and second,
 * if any, the value (a missing value field gives null values). A repeated field outside those
 * annotations is a list of its element, empty when it has no occurrences.
 *
 * <p>Maps are insertion-ordered {@link LinkedHashMap}s: a file with the same key twice in one
 * map would keep only the last entry (byte[] keys compare by identity and all stay).
 */
final class GroupValues {
  private static final long JULIAN_DAY_OF_EPOCH = 2_440_588L;

  private GroupValues() {}

  static OracleStruct struct(GroupType type, Group group) {
    List<String> names = new ArrayList<>(type.getFieldCount());
    List<Object> values = new ArrayList<>(type.getFieldCount());
    for (int i = 0; i < type.getFieldCount(); i++) {
      names.add(type.getFieldName(i));
      values.add(field(type.getType(i), group, i));
    }
    return new OracleStruct(names, values);
  }

  /** The value of field {@code index} of {@code group}, whatever its repetition. */
  static Object field(Type type, Group group, int index) {
    int count = group.getFieldRepetitionCount(index);
    if (type.isRepetition(Repetition.REPEATED)) {
      List<Object> out = new ArrayList<>(count);
      for (int j = 0; j < count; j++) {
        out.add(single(type, group, index, j));
      }
      return Collections.unmodifiableList(out);
    }
    return count == 0 ? null : single(type, group, index, 0);
  }

  private static Object single(Type type, Group group, int index, int repetition) {
    if (type.isPrimitive()) {
      return primitive(type.asPrimitiveType(), group, index, repetition);
    }
    GroupType groupType = type.asGroupType();
    Group child = group.getGroup(index, repetition);
    LogicalTypeAnnotation annotation = groupType.getLogicalTypeAnnotation();
    if (annotation instanceof ListLogicalTypeAnnotation) {
      return list(groupType, child);
    }
    if (annotation instanceof MapLogicalTypeAnnotation
        || annotation instanceof MapKeyValueTypeAnnotation) {
      return map(groupType, child);
    }
    return struct(groupType, child);
  }

  private static List<Object> list(GroupType listType, Group group) {
    if (listType.getFieldCount() != 1 || !listType.getType(0).isRepetition(Repetition.REPEATED)) {
      throw new IllegalArgumentException("LIST group without one repeated child: " + listType);
    }
    Type repeated = listType.getType(0);
    int count = group.getFieldRepetitionCount(0);
    List<Object> out = new ArrayList<>(count);
    if (repeatedIsElement(listType, repeated)) {
      for (int j = 0; j < count; j++) {
        out.add(single(repeated, group, 0, j));
      }
    } else {
      Type element = repeated.asGroupType().getType(0);
      for (int j = 0; j < count; j++) {
        out.add(field(element, group.getGroup(0, j), 0));
      }
    }
    return Collections.unmodifiableList(out);
  }

  private static boolean repeatedIsElement(GroupType listType, Type repeated) {
    if (repeated.isPrimitive()) {
      return true;
    }
    GroupType g = repeated.asGroupType();
    return g.getFieldCount() != 1
        || g.getType(0).isRepetition(Repetition.REPEATED)
        || g.getName().equals("array")
        || g.getName().equals(listType.getName() + "_tuple");
  }

  private static Map<Object, Object> map(GroupType mapType, Group group) {
    if (mapType.getFieldCount() != 1
        || mapType.getType(0).isPrimitive()
        || !mapType.getType(0).isRepetition(Repetition.REPEATED)
        || mapType.getType(0).asGroupType().getFieldCount() < 1) {
      throw new IllegalArgumentException("MAP group without one repeated key-value group: "
          + mapType);
    }
    GroupType keyValue = mapType.getType(0).asGroupType();
    int count = group.getFieldRepetitionCount(0);
    Map<Object, Object> out = new LinkedHashMap<>();
    for (int j = 0; j < count; j++) {
      Group entry = group.getGroup(0, j);
      Object key = field(keyValue.getType(0), entry, 0);
      Object value = keyValue.getFieldCount() > 1 ? field(keyValue.getType(1), entry, 1) : null;
      out.put(key, value);
    }
    return Collections.unmodifiableMap(out);
  }

  private static Object primitive(PrimitiveType type, Group group, int index, int repetition) {
    LogicalTypeAnnotation annotation = type.getLogicalTypeAnnotation();
    return switch (type.getPrimitiveTypeName()) {
      case BOOLEAN -> group.getBoolean(index, repetition);
      case INT32 -> int32(annotation, group.getInteger(index, repetition));
      case INT64 -> int64(annotation, group.getLong(index, repetition));
      case INT96 -> int96(group.getInt96(index, repetition).getBytes());
      case FLOAT -> group.getFloat(index, repetition);
      case DOUBLE -> group.getDouble(index, repetition);
      case BINARY, FIXED_LEN_BYTE_ARRAY ->
          bytes(annotation, group.getBinary(index, repetition).getBytes());
    };
  }

  private static Object int32(LogicalTypeAnnotation annotation, int v) {
    return switch (annotation) {
      case DateLogicalTypeAnnotation d -> LocalDate.ofEpochDay(v);
      case DecimalLogicalTypeAnnotation d -> BigDecimal.valueOf(v, d.getScale());
      case TimeLogicalTypeAnnotation t -> LocalTime.ofNanoOfDay(v * 1_000_000L);
      case IntLogicalTypeAnnotation i when !i.isSigned() && i.getBitWidth() == 32 ->
          Integer.toUnsignedLong(v);
      case null, default -> v;
    };
  }

  private static Object int64(LogicalTypeAnnotation annotation, long v) {
    return switch (annotation) {
      case TimestampLogicalTypeAnnotation t -> switch (t.getUnit()) {
        case MILLIS -> Instant.ofEpochMilli(v);
        case MICROS -> Instant.ofEpochSecond(
            Math.floorDiv(v, 1_000_000L), Math.floorMod(v, 1_000_000L) * 1_000L);
        case NANOS -> Instant.ofEpochSecond(
            Math.floorDiv(v, 1_000_000_000L), Math.floorMod(v, 1_000_000_000L));
      };
      case TimeLogicalTypeAnnotation t -> switch (t.getUnit()) {
        case MILLIS -> LocalTime.ofNanoOfDay(v * 1_000_000L);
        case MICROS -> LocalTime.ofNanoOfDay(v * 1_000L);
        case NANOS -> LocalTime.ofNanoOfDay(v);
      };
      case DecimalLogicalTypeAnnotation d -> BigDecimal.valueOf(v, d.getScale());
      case IntLogicalTypeAnnotation i when !i.isSigned() ->
          new BigInteger(Long.toUnsignedString(v));
      case null, default -> v;
    };
  }

  /** INT96: 8 bytes of nanoseconds within the day, then 4 bytes of Julian day, little-endian. */
  private static Instant int96(byte[] bytes) {
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    long nanosOfDay = b.getLong(0);
    long julianDay = b.getInt(8);
    return Instant.ofEpochSecond((julianDay - JULIAN_DAY_OF_EPOCH) * 86_400L, nanosOfDay);
  }

  private static Object bytes(LogicalTypeAnnotation annotation, byte[] bytes) {
    return switch (annotation) {
      case StringLogicalTypeAnnotation s -> new String(bytes, StandardCharsets.UTF_8);
      case EnumLogicalTypeAnnotation e -> new String(bytes, StandardCharsets.UTF_8);
      case JsonLogicalTypeAnnotation j -> new String(bytes, StandardCharsets.UTF_8);
      case UUIDLogicalTypeAnnotation u -> {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        yield new UUID(b.getLong(0), b.getLong(8));
      }
      case DecimalLogicalTypeAnnotation d -> new BigDecimal(new BigInteger(bytes), d.getScale());
      case Float16LogicalTypeAnnotation f ->
          Float.float16ToFloat((short) ((bytes[1] & 0xFF) << 8 | (bytes[0] & 0xFF)));
      case null, default -> bytes;
    };
  }
}
