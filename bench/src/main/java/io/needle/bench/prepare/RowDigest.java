package io.needle.bench.prepare;

import java.util.Arrays;
import org.apache.parquet.column.values.bloomfilter.XxHash;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;

/**
 * An order-independent fingerprint of a table's rows: the row count, and per top-level column the
 * sum (mod 2^64) of a 64-bit hash of each row's value, plus the sum of whole-row hashes (so that
 * values moved between rows show too). Two tables with the same multiset of rows have the same
 * digest; a lost, duplicated or changed value changes it with overwhelming probability. A value's
 * hash covers its structure: null, an empty list and a list of one null differ. Not thread-safe.
 */
final class RowDigest {
  private static final XxHash HASH = new XxHash();
  private final MessageType schema;
  private final long[] columnSums;
  private long rows;
  private long rowSum;

  RowDigest(MessageType schema) {
    this.schema = schema;
    this.columnSums = new long[schema.getFieldCount()];
  }

  void add(Group row) {
    long whole = 0;
    for (int i = 0; i < columnSums.length; i++) {
      long h = field(row, i, schema.getType(i));
      columnSums[i] += h;
      whole = mix(whole * 31 + h);
    }
    rowSum += whole;
    rows++;
  }

  long rows() {
    return rows;
  }

  /** The columns whose sums differ from {@code other}'s, and "(whole rows)" when row sums do; empty when equal. */
  String differences(RowDigest other) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < columnSums.length; i++) {
      if (columnSums[i] != other.columnSums[i]) {
        out.append(out.isEmpty() ? "" : ", ").append(schema.getFieldName(i));
      }
    }
    if (rowSum != other.rowSum) {
      out.append(out.isEmpty() ? "" : ", ").append("(whole rows)");
    }
    return out.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RowDigest d && rows == d.rows && rowSum == d.rowSum && Arrays.equals(columnSums, d.columnSums);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(rowSum);
  }

  private static long field(Group g, int index, Type type) {
    int n = g.getFieldRepetitionCount(index);
    long h = mix(0x9E37_79B9_7F4A_7C15L + n);
    for (int j = 0; j < n; j++) {
      long v = type.isPrimitive() ? primitive(g, index, j, type) : group(g.getGroup(index, j), type.asGroupType());
      h = mix(h * 31 + v);
    }
    return h;
  }

  private static long group(Group g, GroupType type) {
    long h = 0x632B_E59B_D9B4_E019L;
    for (int i = 0; i < type.getFieldCount(); i++) {
      h = mix(h * 31 + field(g, i, type.getType(i)));
    }
    return h;
  }

  private static long primitive(Group g, int index, int j, Type type) {
    return switch (type.asPrimitiveType().getPrimitiveTypeName()) {
      case BOOLEAN -> g.getBoolean(index, j) ? 1 : 2;
      case INT32 -> mix(g.getInteger(index, j));
      case INT64 -> mix(g.getLong(index, j));
      case FLOAT -> mix(Float.floatToRawIntBits(g.getFloat(index, j)));
      case DOUBLE -> mix(Double.doubleToRawLongBits(g.getDouble(index, j)));
      case INT96 -> bytes(g.getInt96(index, j));
      case BINARY, FIXED_LEN_BYTE_ARRAY -> bytes(g.getBinary(index, j));
    };
  }

  private static long bytes(Binary b) {
    return HASH.hashByteBuffer(b.toByteBuffer());
  }

  /** SplitMix64's finalizer: every input bit affects every output bit. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
    return z ^ (z >>> 31);
  }
}
