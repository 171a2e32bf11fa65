package io.needle.decode;

import io.needle.protocol.proto.TableColumn;
import org.apache.parquet.schema.Type;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * A table's top-level columns matched to each file's top-level fields by field id, the way
 * Iceberg reads a table whose schema evolved: a renamed column answers under its new name from
 * files written under the old one, a column added later is null in older files, a dropped column
 * is never answered, and an int or float field of an older file answers as the column's long or
 * double. The worker plans a file's pages and the client decodes them through the same
 * {@link Projection}, so both pick the same fields of the same file. Immutable and thread-safe.
 */
public final class TableColumns {
  /** How a file's value becomes the column's type (Iceberg's promotions that change the Java value). */
  private enum Widening { NONE, INT_TO_LONG, FLOAT_TO_DOUBLE }

  private final String[] names;
  private final int[] fieldIds;
  private final Widening[] widenings;
  private final Map<String, Integer> byName;

  private TableColumns(String[] names, int[] fieldIds, Widening[] widenings, Map<String, Integer> byName) {
    this.names = names;
    this.fieldIds = fieldIds;
    this.widenings = widenings;
    this.byName = byName;
  }

  /** The columns a Describe lists ({@code DescribeResponse.table_columns}). */
  public static TableColumns of(List<TableColumn> columns) throws DecodeException {
    String[] names = new String[columns.size()];
    int[] ids = new int[columns.size()];
    Widening[] widenings = new Widening[columns.size()];
    Map<String, Integer> byName = new HashMap<>();
    for (int i = 0; i < names.length; i++) {
      TableColumn c = columns.get(i);
      names[i] = c.getName();
      ids[i] = c.getFieldId();
      widenings[i] = switch (c.getType()) {
        case "long" -> Widening.INT_TO_LONG;
        case "double" -> Widening.FLOAT_TO_DOUBLE;
        default -> Widening.NONE;
      };
      if (byName.putIfAbsent(names[i], i) != null) {
        throw new DecodeException(DecodeException.Kind.CORRUPT, "the table lists column '" + names[i] + "' twice");
      }
    }
    return new TableColumns(names, ids, widenings, Map.copyOf(byName));
  }

  /** The columns' names, in table order. */
  public List<String> names() {
    return List.of(names);
  }

  /**
   * What one lookup reads of a file with this schema and how its rows become the table's.
   *
   * @param tableKey the key column's name in the table
   * @param tableFields the requested columns' names in the table; empty means every column
   * @throws IllegalArgumentException when a requested column is not a column of the table
   * @throws DecodeException UNSUPPORTED when the file's top-level fields carry no field ids
   */
  public Projection project(FileSchema file, String tableKey, List<String> tableFields) throws DecodeException {
    String[] fileNames = fileNames(file);
    Integer key = byName.get(tableKey);
    if (key == null) {
      throw new DecodeException(DecodeException.Kind.INVALID_KEY, "key column '" + tableKey
          + "' is not a column of the table " + names());
    }
    List<String> wanted = tableFields.isEmpty() ? names() : tableFields;
    String[] outNames = wanted.toArray(String[]::new);
    int[] from = new int[outNames.length];
    Widening[] widen = new Widening[outNames.length];
    List<String> read = new ArrayList<>();
    for (int f = 0; f < outNames.length; f++) {
      Integer column = byName.get(outNames[f]);
      if (column == null) {
        throw new IllegalArgumentException("no column '" + outNames[f] + "' in the table " + names());
      }
      String fileName = fileNames[column];
      widen[f] = widenings[column];
      if (fileName == null) {
        from[f] = -1; // added after the file was written: null in its rows
      } else if (read.contains(fileName)) {
        from[f] = read.indexOf(fileName); // the same column asked twice
      } else {
        from[f] = read.size();
        read.add(fileName);
      }
    }
    String fileKey = fileNames[key];
    if (read.isEmpty() && fileKey != null) {
      read.add(fileKey); // only columns the file lacks: its rows are still found by the key (an empty list means all)
    }
    return new Projection(fileKey, List.copyOf(read), outNames, from, widen);
  }

  /** Per table column, the name of the file's top-level field with its field id, or null. */
  private String[] fileNames(FileSchema file) throws DecodeException {
    Map<Integer, String> byId = new HashMap<>();
    for (Type field : file.messageType().getFields()) {
      if (field.getId() == null) {
        throw new DecodeException(DecodeException.Kind.UNSUPPORTED, "field '" + field.getName() + "' of a data file"
            + " has no field id, and the table's schema evolved: its columns cannot be matched to the table's");
      }
      byId.put(field.getId().intValue(), field.getName());
    }
    String[] out = new String[names.length];
    for (int i = 0; i < names.length; i++) {
      out[i] = byId.get(fieldIds[i]);
    }
    return out;
  }

  /** One file's part of a lookup: the fields to read and how its decoded rows become the table's. */
  public static final class Projection {
    private final String fileKey;
    private final List<String> fileFields;
    private final String[] names;
    private final int[] from;
    private final Widening[] widen;

    private Projection(String fileKey, List<String> fileFields, String[] names, int[] from, Widening[] widen) {
      this.fileKey = fileKey;
      this.fileFields = fileFields;
      this.names = names;
      this.from = from;
      this.widen = widen;
    }

    /** The file's name of the key column, or null when the file has none (no row of it matches). */
    public String fileKey() {
      return fileKey;
    }

    /** The file's top-level fields to read, in order; never empty when {@link #fileKey} is set. */
    public List<String> fileFields() {
      return fileFields;
    }

    /** The table's names of the row's columns, in output order (a new array: rows may keep it). */
    public String[] names() {
      return names.clone();
    }

    /**
     * A row of the table from a row decoded with {@link #fileFields}: {@code fileValue} gives the
     * value of the file field at an index of that list.
     */
    public Object[] values(IntFunction<Object> fileValue) {
      Object[] out = new Object[names.length];
      for (int f = 0; f < out.length; f++) {
        Object v = from[f] < 0 ? null : fileValue.apply(from[f]);
        out[f] = switch (widen[f]) {
          case INT_TO_LONG -> v instanceof Integer i ? Long.valueOf(i) : v;
          case FLOAT_TO_DOUBLE -> v instanceof Float x ? Double.valueOf(x) : v;
          case NONE -> v;
        };
      }
      return out;
    }

    @Override
    public String toString() {
      return "Projection{fileKey=" + fileKey + ", fileFields=" + fileFields + ", names=" + Arrays.toString(names) + "}";
    }
  }
}
