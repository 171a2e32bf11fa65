package io.needle.bench.baseline;

import io.needle.bench.gen.RagRow;
import io.needle.bench.gen.RagTable;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The value the Redis baseline stores per key of the RAG table: the RAG lookup's columns
 * ({@code doc_id}, {@code title}, {@code text}, {@code embedding}) as length-prefixed UTF-8 and
 * big-endian floats, about 1.5 KiB of floats plus the 1–4 KiB text. Decoded back into strings
 * and a {@code float[]} on every read, as an application keeping chunks in Redis must.
 */
public final class RagValueCodec {
  private RagValueCodec() {}

  /** The Redis values of a RAG table: one row per present {@code String} key. */
  public static RedisRows of(RagTable table) {
    return new RedisRows() {
      @Override
      public byte[] encode(Object key) {
        RagRow row = table.expected((String) key);
        return row == null ? null : RagValueCodec.encode(row);
      }

      @Override
      public int decode(Object key, byte[] value) {
        Object[] row = RagValueCodec.decode(value);
        if (!row[0].equals(key)) {
          throw new IllegalStateException("Redis: key " + key + " returned doc_id " + row[0]);
        }
        return 1;
      }
    };
  }

  public static byte[] encode(RagRow r) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(8 * 1024);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      writeString(out, r.docId());
      writeString(out, r.title());
      writeString(out, r.text());
      List<Float> embedding = r.embedding();
      out.writeInt(embedding.size());
      for (Float f : embedding) {
        out.writeFloat(f);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** doc_id, title and text as {@code String}s, the embedding as a {@code float[]}. */
  public static Object[] decode(byte[] value) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(value))) {
      Object[] v = new Object[4];
      v[0] = readString(in);
      v[1] = readString(in);
      v[2] = readString(in);
      float[] embedding = new float[in.readInt()];
      for (int i = 0; i < embedding.length; i++) {
        embedding[i] = in.readFloat();
      }
      v[3] = embedding;
      return v;
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("corrupt Redis value of " + value.length + " bytes", e);
    }
  }

  private static void writeString(DataOutputStream out, String s) throws IOException {
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(utf8.length);
    out.write(utf8);
  }

  private static String readString(DataInputStream in) throws IOException {
    byte[] utf8 = new byte[in.readInt()];
    in.readFully(utf8);
    return new String(utf8, StandardCharsets.UTF_8);
  }
}
