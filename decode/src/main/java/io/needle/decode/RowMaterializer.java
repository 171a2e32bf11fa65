package io.needle.decode;

import org.apache.parquet.io.ParquetDecodingException;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.io.api.RecordMaterializer;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.DecimalLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.IntLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.TimeLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.TimestampLogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

import java.math.BigDecimal;
import java.math.BigInteger;
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
import java.util.function.Consumer;

/**
 * Builds each record of a requested schema as an {@code Object[]} of its top-level fields, with
 * the Java types of {@code docs/values.md}, straight from parquet's record assembly (no example
 * {@code Group}s in between).
 *
 * <p>Shape rules, following parquet's backward-compatibility rules for LIST and MAP:
 * <ul>
 *   <li>a LIST group with one repeated child is a list; its element is the repeated field itself
 *       when that is a primitive, a group of several fields, a group named {@code array} or
 *       {@code <list>_tuple}, or a group whose only field is repeated (legacy 2-level); otherwise
 *       the repeated group's single field (3-level);</li>
 *   <li>a MAP or MAP_KEY_VALUE group with one repeated group child of one or two fields is a map
 *       (key = first field, value = second, or null when there is none);</li>
 *   <li>any other repeated field is a list of its element (zero occurrences: an empty list);</li>
 *   <li>any other group is a {@link Row}.</li>
 * </ul>
 *
 * <p>One instance per record reader: converters hold the record being assembled.
 */
final class RowMaterializer extends RecordMaterializer<Object[]> {
  private final RowFactory<?> structs;
  private final GroupValues root;
  private Object[] record;

  /** @param structs builds the value of every struct (group) field below the root */
  RowMaterializer(MessageType requested, RowFactory<?> structs) {
    this.structs = structs;
    this.root = new GroupValues(requested, values -> record = values);
  }

  @Override
  public Object[] getCurrentRecord() {
    return record;
  }

  @Override
  public GroupConverter getRootConverter() {
    return root;
  }

  /** A value's receiver in its parent: a field slot, a list, a map entry. */
  interface Slot {
    void set(Object value);
  }

  Converter converterFor(Type type, Slot slot) {
    if (type.isPrimitive()) {
      return new Value(type.asPrimitiveType(), slot);
    }
    GroupType group = type.asGroupType();
    LogicalTypeAnnotation logical = group.getLogicalTypeAnnotation();
    if (logical instanceof LogicalTypeAnnotation.ListLogicalTypeAnnotation
        && group.getFieldCount() == 1 && group.getType(0).isRepetition(Type.Repetition.REPEATED)) {
      return new ListValues(group, slot);
    }
    if ((logical instanceof LogicalTypeAnnotation.MapLogicalTypeAnnotation
        || logical instanceof LogicalTypeAnnotation.MapKeyValueTypeAnnotation)
        && group.getFieldCount() == 1 && group.getType(0).isRepetition(Type.Repetition.REPEATED)
        && !group.getType(0).isPrimitive()
        && group.getType(0).asGroupType().getFieldCount() >= 1 && group.getType(0).asGroupType().getFieldCount() <= 2) {
      return new MapValues(group, slot);
    }
    return new GroupValues(group, values -> slot.set(structs.row(names(group), values)));
  }

  private static String[] names(GroupType group) {
    String[] names = new String[group.getFieldCount()];
    for (int i = 0; i < names.length; i++) {
      names[i] = group.getType(i).getName();
    }
    return names;
  }

  /**
   * The fields of one group occurrence, collected into an array handed to {@code onEnd}; a
   * repeated field collects into a list that starts empty.
   */
  final class GroupValues extends GroupConverter {
    private final Converter[] children;
    private final boolean[] repeated;
    private final Consumer<Object[]> onEnd;
    private Object[] current;

    GroupValues(GroupType type, Consumer<Object[]> onEnd) {
      this.onEnd = onEnd;
      int n = type.getFieldCount();
      this.children = new Converter[n];
      this.repeated = new boolean[n];
      for (int i = 0; i < n; i++) {
        Type field = type.getType(i);
        int index = i;
        repeated[i] = field.isRepetition(Type.Repetition.REPEATED);
        Slot slot = repeated[i] ? value -> appendTo(current[index], value) : value -> current[index] = value;
        children[i] = converterFor(field, slot);
      }
    }

    @SuppressWarnings("unchecked")
    private static void appendTo(Object list, Object value) {
      ((List<Object>) list).add(value);
    }

    @Override
    public Converter getConverter(int fieldIndex) {
      return children[fieldIndex];
    }

    @Override
    public void start() {
      current = new Object[children.length];
      for (int i = 0; i < repeated.length; i++) {
        if (repeated[i]) {
          current[i] = new ArrayList<>();
        }
      }
    }

    @Override
    @SuppressWarnings("unchecked")
    public void end() {
      for (int i = 0; i < repeated.length; i++) {
        if (repeated[i]) {
          current[i] = Collections.unmodifiableList((List<Object>) current[i]);
        }
      }
      onEnd.accept(current);
    }
  }

  /** A LIST-annotated group: collects its elements. */
  final class ListValues extends GroupConverter {
    private final Converter element;
    private final Slot out;
    private List<Object> list;

    ListValues(GroupType listType, Slot out) {
      this.out = out;
      Type repeated = listType.getType(0);
      Slot add = value -> list.add(value);
      if (repeated.isPrimitive() || isElementItself(repeated.asGroupType(), listType.getName())) {
        this.element = converterFor(repeated, add);
      } else {
        // 3-level: the repeated group wraps one (possibly absent, i.e. null) element field.
        this.element = new GroupValues(repeated.asGroupType(), values -> add.set(values[0]));
      }
    }

    private static boolean isElementItself(GroupType repeated, String listName) {
      return repeated.getFieldCount() != 1
          || repeated.getName().equals("array")
          || repeated.getName().equals(listName + "_tuple")
          || repeated.getType(0).isRepetition(Type.Repetition.REPEATED);
    }

    @Override
    public Converter getConverter(int fieldIndex) {
      return element;
    }

    @Override
    public void start() {
      list = new ArrayList<>();
    }

    @Override
    public void end() {
      out.set(Collections.unmodifiableList(list));
    }
  }

  /** A MAP-annotated group: collects key/value entries in order. */
  final class MapValues extends GroupConverter {
    private final Converter entries;
    private final Slot out;
    private Map<Object, Object> map;

    MapValues(GroupType mapType, Slot out) {
      this.out = out;
      this.entries = new GroupValues(mapType.getType(0).asGroupType(),
          values -> map.put(values[0], values.length > 1 ? values[1] : null));
    }

    @Override
    public Converter getConverter(int fieldIndex) {
      return entries;
    }

    @Override
    public void start() {
      map = new LinkedHashMap<>();
    }

    @Override
    public void end() {
      out.set(Collections.unmodifiableMap(map));
    }
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

  /** One primitive value: converts the physical value by {@link Kind} and hands it to the slot. */
  static final class Value extends PrimitiveConverter {
    private static final long JULIAN_EPOCH_DAY = 2_440_588L;

    private final Kind kind;
    private final int scale;
    private final Slot out;

    Value(PrimitiveType type, Slot out) {
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
}
