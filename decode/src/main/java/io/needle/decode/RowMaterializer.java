package io.needle.decode;

import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.RecordMaterializer;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * <p>Primitive values become Java values in {@link ValueConverter}, which the direct path
 * ({@link FlatColumnLookup}) uses too.
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

  Converter converterFor(Type type, ValueConverter.Slot slot) {
    if (type.isPrimitive()) {
      return new ValueConverter(type.asPrimitiveType(), slot);
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
        ValueConverter.Slot slot = repeated[i] ? value -> appendTo(current[index], value) : value -> current[index] = value;
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
    private final ValueConverter.Slot out;
    private List<Object> list;

    ListValues(GroupType listType, ValueConverter.Slot out) {
      this.out = out;
      Type repeated = listType.getType(0);
      ValueConverter.Slot add = value -> list.add(value);
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
    private final ValueConverter.Slot out;
    private Map<Object, Object> map;

    MapValues(GroupType mapType, ValueConverter.Slot out) {
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
}
