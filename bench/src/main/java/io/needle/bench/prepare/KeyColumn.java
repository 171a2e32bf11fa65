package io.needle.bench.prepare;

import static java.util.Objects.requireNonNull;

import io.needle.metadata.Keys;
import java.nio.file.Path;
import org.apache.parquet.column.ColumnReader;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveComparator;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * The key column of a table as {@code needle check} and {@code needle prepare} handle it: a
 * top-level, non-repeated INT32, INT64, BYTE_ARRAY or FIXED_LEN_BYTE_ARRAY column (what the
 * worker's planner takes as a key). Keys are held as parquet-java holds them ({@code Integer},
 * {@code Long}, {@link Binary}) and ordered by parquet-java's comparator for the column's type,
 * the order its statistics and column indexes use (unsigned for UINT, lexicographic unsigned bytes
 * for strings). Immutable.
 */
public final class KeyColumn {
  private final String name;
  private final int field;
  private final PrimitiveType type;
  private final PrimitiveComparator<Object> order;

  @SuppressWarnings("unchecked")
  private KeyColumn(String name, int field, PrimitiveType type) {
    this.name = name;
    this.field = field;
    this.type = type;
    this.order = (PrimitiveComparator<Object>) type.comparator();
  }

  /** The key column {@code name} of {@code schema}, or an error saying why it cannot be a key. */
  public static KeyColumn of(MessageType schema, String name, Path file) {
    requireNonNull(name, "name is null");
    if (!schema.containsField(name)) {
      throw new IllegalArgumentException("--key-column: " + file + " has no top-level column '" + name
          + "'; its columns: " + String.join(", ", schema.getFields().stream().map(Type::getName).toList()));
    }
    Type t = schema.getType(name);
    boolean usable = t.isPrimitive() && !t.isRepetition(Type.Repetition.REPEATED)
        && switch (t.asPrimitiveType().getPrimitiveTypeName()) {
          case INT32, INT64, BINARY, FIXED_LEN_BYTE_ARRAY -> true;
          default -> false;
        };
    if (!usable) {
      throw new IllegalArgumentException("--key-column: column '" + name + "' of " + file + " is "
          + t.toString().trim() + ": a key is a top-level, non-repeated INT32, INT64, BYTE_ARRAY or "
          + "FIXED_LEN_BYTE_ARRAY column");
    }
    return new KeyColumn(name, schema.getFieldIndex(name), t.asPrimitiveType());
  }

  public String name() {
    return name;
  }

  public PrimitiveType type() {
    return type;
  }

  /** The key of a row, or null when the row has none. */
  public Object of(Group row) {
    if (row.getFieldRepetitionCount(field) == 0) {
      return null;
    }
    return switch (type.getPrimitiveTypeName()) {
      case INT32 -> row.getInteger(field, 0);
      case INT64 -> row.getLong(field, 0);
      default -> row.getBinary(field, 0);
    };
  }

  /** The current (non-null) value of a reader of this column. */
  public Object read(ColumnReader reader) {
    return switch (type.getPrimitiveTypeName()) {
      case INT32 -> reader.getInteger();
      case INT64 -> reader.getLong();
      default -> reader.getBinary().copy(); // the reader may reuse its buffer
    };
  }

  /** Parquet's order for this column; nulls after every key. */
  public int compare(Object a, Object b) {
    if (a == null || b == null) {
      return a == null ? (b == null ? 0 : 1) : -1;
    }
    return order.compare(a, b);
  }

  /** The key as the worker's planner takes it (its physical form). */
  public Keys toKeys(Object key) {
    return switch (key) {
      case Integer i -> Keys.ofLongs(i.longValue());
      case Long l -> Keys.ofLongs(l);
      case Binary b -> Keys.ofBytes(b.getBytes());
      default -> throw new IllegalArgumentException("not a key of " + name + ": " + key);
    };
  }

  /** The key as a person reads it (strings as text, dates as dates, ...). */
  public String format(Object key) {
    return switch (key) {
      case null -> "null";
      case Integer i -> type.stringifier().stringify(i);
      case Long l -> type.stringifier().stringify(l);
      case Binary b -> type.stringifier().stringify(b);
      default -> key.toString();
    };
  }
}
