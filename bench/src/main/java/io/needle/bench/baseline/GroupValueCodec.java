package io.needle.bench.baseline;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * The value the Redis baseline stores per key of a user's table: every row of the key, each the
 * values of the requested columns in schema order, typed by the Parquet schema (fixed-width
 * numbers, length-prefixed bytes, a count per field for nulls, lists and nesting).
 *
 * <pre>
 * value = rows:int32, then per row: length:int32, row
 * row   = per field of the type: count:int32 (0 = null or empty), then count values
 *         (a primitive, or a nested row of the field's group type)
 * </pre>
 *
 * Decoding gives each field as a Java value ({@code Integer}, {@code Long}, {@code String} for
 * STRING columns, {@code byte[]} for other binary, ...), null when absent, a {@code List} when
 * repeated, an {@code Object[]} for a group: what an application keeping rows in Redis decodes.
 */
public final class GroupValueCodec {
  private GroupValueCodec() {}

  /** One row: the values of {@code type}'s fields in {@code row}. */
  public static byte[] encodeRow(Group row, GroupType type) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      writeGroup(out, row, type);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** The value of a key: its rows, each made by {@link #encodeRow}. */
  public static byte[] joinRows(List<byte[]> rows) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(rows.size());
      for (byte[] row : rows) {
        out.writeInt(row.length);
        out.write(row);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** The rows of a value made by {@link #joinRows}, each its fields' values in {@code type}'s order. */
  public static List<Object[]> decodeRows(byte[] value, GroupType type) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(value))) {
      int n = in.readInt();
      List<Object[]> rows = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        in.readInt(); // the row's length: lets a reader skip rows; this one decodes them all
        rows.add(readGroup(in, type));
      }
      return rows;
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("corrupt Redis value of " + value.length + " bytes", e);
    }
  }

  private static void writeGroup(DataOutputStream out, Group g, GroupType type) throws IOException {
    for (int f = 0; f < type.getFieldCount(); f++) {
      Type field = type.getType(f);
      int n = g.getFieldRepetitionCount(f);
      out.writeInt(n);
      for (int i = 0; i < n; i++) {
        if (field.isPrimitive()) {
          writePrimitive(out, g, f, i, field.asPrimitiveType());
        } else {
          writeGroup(out, g.getGroup(f, i), field.asGroupType());
        }
      }
    }
  }

  private static void writePrimitive(DataOutputStream out, Group g, int f, int i, PrimitiveType type)
      throws IOException {
    switch (type.getPrimitiveTypeName()) {
      case BOOLEAN -> out.writeBoolean(g.getBoolean(f, i));
      case INT32 -> out.writeInt(g.getInteger(f, i));
      case INT64 -> out.writeLong(g.getLong(f, i));
      case FLOAT -> out.writeFloat(g.getFloat(f, i));
      case DOUBLE -> out.writeDouble(g.getDouble(f, i));
      case INT96 -> writeBytes(out, g.getInt96(f, i));
      case BINARY, FIXED_LEN_BYTE_ARRAY -> writeBytes(out, g.getBinary(f, i));
    }
  }

  private static void writeBytes(DataOutputStream out, Binary b) throws IOException {
    byte[] bytes = b.getBytesUnsafe();
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  private static Object[] readGroup(DataInputStream in, GroupType type) throws IOException {
    Object[] values = new Object[type.getFieldCount()];
    for (int f = 0; f < values.length; f++) {
      Type field = type.getType(f);
      int n = in.readInt();
      if (field.isRepetition(Type.Repetition.REPEATED)) {
        List<Object> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          list.add(readValue(in, field));
        }
        values[f] = list;
      } else if (n == 1) {
        values[f] = readValue(in, field);
      } else if (n != 0) {
        throw new IOException(n + " values for the non-repeated field " + field.getName());
      }
    }
    return values;
  }

  private static Object readValue(DataInputStream in, Type field) throws IOException {
    if (!field.isPrimitive()) {
      return readGroup(in, field.asGroupType());
    }
    PrimitiveType type = field.asPrimitiveType();
    return switch (type.getPrimitiveTypeName()) {
      case BOOLEAN -> in.readBoolean();
      case INT32 -> in.readInt();
      case INT64 -> in.readLong();
      case FLOAT -> in.readFloat();
      case DOUBLE -> in.readDouble();
      case INT96, BINARY, FIXED_LEN_BYTE_ARRAY -> {
        byte[] bytes = new byte[in.readInt()];
        in.readFully(bytes);
        yield type.getLogicalTypeAnnotation() instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation
            ? new String(bytes, StandardCharsets.UTF_8) : bytes;
      }
    };
  }
}
