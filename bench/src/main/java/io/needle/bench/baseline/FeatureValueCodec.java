package io.needle.bench.baseline;

import io.needle.bench.gen.FeatureRow;
import io.needle.bench.gen.FeatureTable;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/**
 * The value the Redis baseline stores per key: the twelve feature columns of a row, serialized
 * compactly (a presence byte per nullable column, fixed-width numbers, length-prefixed UTF-8),
 * about 100-250 bytes a row. The client decodes it back into typed values on every read, as an
 * application keeping rows in Redis must.
 */
public final class FeatureValueCodec {
  private FeatureValueCodec() {}

  /** The Redis values of a {@code needle gen} feature table: one row per present {@code Long} key. */
  public static RedisRows of(FeatureTable table) {
    return new RedisRows() {
      @Override
      public byte[] encode(Object key) {
        long k = (Long) key;
        return table.contains(k) ? FeatureValueCodec.encode(table.expected(k)) : null;
      }

      @Override
      public int decode(Object key, byte[] value) {
        Object[] row = FeatureValueCodec.decode(value);
        if (!row[0].equals(key)) {
          throw new IllegalStateException("Redis: key " + key + " returned user_id " + row[0]);
        }
        return 1;
      }
    };
  }

  public static byte[] encode(FeatureRow r) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeLong(r.userId());
      out.writeUTF(r.country());
      out.writeBoolean(r.age() != null);
      if (r.age() != null) {
        out.writeInt(r.age());
      }
      out.writeDouble(r.score());
      out.writeFloat(r.ratio());
      out.writeBoolean(r.active());
      out.writeInt((int) r.signupDate().toEpochDay());
      out.writeLong(r.lastSeenMicros());
      out.writeLong(r.balance().unscaledValue().longValueExact());
      writeNullable(out, r.segment());
      writeNullable(out, r.bio());
      out.writeBoolean(r.tags() != null);
      if (r.tags() != null) {
        out.writeShort(r.tags().size());
        for (String t : r.tags()) {
          out.writeUTF(t);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** The twelve values, in {@code Workload.FEATURE_COLUMNS} order. */
  public static Object[] decode(byte[] value) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(value))) {
      Object[] v = new Object[12];
      v[0] = in.readLong();
      v[1] = in.readUTF();
      v[2] = in.readBoolean() ? in.readInt() : null;
      v[3] = in.readDouble();
      v[4] = in.readFloat();
      v[5] = in.readBoolean();
      v[6] = LocalDate.ofEpochDay(in.readInt());
      long micros = in.readLong();
      v[7] = Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L);
      v[8] = new BigDecimal(BigInteger.valueOf(in.readLong()), FeatureRow.BALANCE_SCALE);
      v[9] = in.readBoolean() ? in.readUTF() : null;
      v[10] = in.readBoolean() ? in.readUTF() : null;
      if (in.readBoolean()) {
        int n = in.readShort();
        List<String> tags = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          tags.add(in.readUTF());
        }
        v[11] = tags;
      }
      return v;
    } catch (IOException e) {
      throw new UncheckedIOException("corrupt Redis value of " + value.length + " bytes", e);
    }
  }

  private static void writeNullable(DataOutputStream out, String s) throws IOException {
    out.writeBoolean(s != null);
    if (s != null) {
      out.writeUTF(s);
    }
  }
}
