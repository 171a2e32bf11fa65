package io.needle.bench.prepare;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.iceberg.Schema;
import org.apache.iceberg.StructLike;
import org.apache.iceberg.parquet.ParquetSchemaUtil;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.TypeUtil;
import org.apache.iceberg.types.Types;
import org.apache.iceberg.util.DateTimeUtil;
import org.apache.iceberg.util.UUIDUtil;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroup;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.MessageType;

/**
 * Iceberg generic records as parquet-java {@link Group}s of the Parquet schema Iceberg writes for
 * the table ({@link ParquetSchemaUtil#convert}: field ids, 3-level lists and maps, decimals by
 * precision), so that {@code needle prepare}'s sort, digest and writer, made for Groups, handle
 * Iceberg rows, and the files it writes are the files Iceberg's own writer would lay out. Values
 * are encoded as Iceberg's Parquet writer encodes them (dates in days, times and timestamps in
 * micros or nanos, UUIDs in 16 bytes, decimals as unscaled integers). Types Iceberg keeps outside
 * plain Parquet (variant, geometry, geography, unknown) are refused. Immutable.
 */
final class RecordGroups {
  private final Schema schema;
  private final MessageType parquet;

  RecordGroups(Schema schema) {
    for (Types.NestedField f : TypeUtil.indexById(schema.asStruct()).values()) {
      if (unsupported(f.type())) {
        throw new IllegalArgumentException("column '" + f.name() + "' is " + f.type()
            + ": needle prepare copies only types plain Parquet holds");
      }
    }
    this.schema = schema;
    this.parquet = ParquetSchemaUtil.convert(schema, "table");
  }

  private static boolean unsupported(Type type) {
    return switch (type.typeId()) {
      case VARIANT, GEOMETRY, GEOGRAPHY, UNKNOWN -> true;
      default -> false;
    };
  }

  Schema schema() {
    return schema;
  }

  MessageType parquetSchema() {
    return parquet;
  }

  Group toGroup(StructLike record) {
    Group g = new SimpleGroup(parquet);
    fill(g, parquet, schema.asStruct(), record);
    return g;
  }

  private static void fill(Group g, GroupType parquet, Types.StructType struct, StructLike record) {
    List<Types.NestedField> fields = struct.fields();
    for (int i = 0; i < fields.size(); i++) {
      Object value = record.get(i, Object.class);
      if (value != null) {
        add(g, i, parquet.getType(i), fields.get(i).type(), value);
      }
    }
  }

  private static void add(Group g, int index, org.apache.parquet.schema.Type parquet, Type type, Object value) {
    switch (type.typeId()) {
      case STRUCT -> fill(g.addGroup(index), parquet.asGroupType(), type.asStructType(), (StructLike) value);
      case LIST -> {
        Group list = g.addGroup(index);
        GroupType repeated = parquet.asGroupType().getType(0).asGroupType();
        Type element = type.asListType().elementType();
        for (Object e : (List<?>) value) {
          Group entry = list.addGroup(0);
          if (e != null) {
            add(entry, 0, repeated.getType(0), element, e);
          }
        }
      }
      case MAP -> {
        Group map = g.addGroup(index);
        GroupType keyValue = parquet.asGroupType().getType(0).asGroupType();
        Types.MapType m = type.asMapType();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
          Group entry = map.addGroup(0);
          add(entry, 0, keyValue.getType(0), m.keyType(), e.getKey());
          if (e.getValue() != null) {
            add(entry, 1, keyValue.getType(1), m.valueType(), e.getValue());
          }
        }
      }
      case BOOLEAN -> g.add(index, (Boolean) value);
      case INTEGER -> g.add(index, (Integer) value);
      case LONG -> g.add(index, (Long) value);
      case FLOAT -> g.add(index, (Float) value);
      case DOUBLE -> g.add(index, (Double) value);
      case DATE -> g.add(index, DateTimeUtil.daysFromDate((LocalDate) value));
      case TIME -> g.add(index, DateTimeUtil.microsFromTime((LocalTime) value));
      case TIMESTAMP -> g.add(index, ((Types.TimestampType) type).shouldAdjustToUTC()
          ? DateTimeUtil.microsFromTimestamptz((OffsetDateTime) value)
          : DateTimeUtil.microsFromTimestamp((LocalDateTime) value));
      case TIMESTAMP_NANO -> g.add(index, ((Types.TimestampNanoType) type).shouldAdjustToUTC()
          ? DateTimeUtil.nanosFromTimestamptz((OffsetDateTime) value)
          : DateTimeUtil.nanosFromTimestamp((LocalDateTime) value));
      case STRING -> g.add(index, Binary.fromString(value.toString()));
      case UUID -> g.add(index, Binary.fromConstantByteArray(UUIDUtil.convert((UUID) value)));
      case FIXED -> g.add(index, Binary.fromConstantByteArray((byte[]) value));
      case BINARY -> g.add(index, Binary.fromConstantByteBuffer(((ByteBuffer) value).duplicate()));
      case DECIMAL -> addDecimal(g, index, parquet, (BigDecimal) value);
      default -> throw new IllegalArgumentException("no Parquet encoding for " + type);
    }
  }

  private static void addDecimal(Group g, int index, org.apache.parquet.schema.Type parquet, BigDecimal value) {
    BigInteger unscaled = value.unscaledValue();
    switch (parquet.asPrimitiveType().getPrimitiveTypeName()) {
      case INT32 -> g.add(index, unscaled.intValueExact());
      case INT64 -> g.add(index, unscaled.longValueExact());
      default -> {
        int length = parquet.asPrimitiveType().getTypeLength();
        byte[] minimal = unscaled.toByteArray();
        byte[] fixed = new byte[length];
        byte sign = (byte) (unscaled.signum() < 0 ? -1 : 0);
        int pad = length - minimal.length;
        for (int i = 0; i < length; i++) {
          fixed[i] = i < pad ? sign : minimal[i - pad];
        }
        g.add(index, Binary.fromConstantByteArray(fixed));
      }
    }
  }
}
