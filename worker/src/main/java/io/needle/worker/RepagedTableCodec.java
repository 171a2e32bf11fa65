package io.needle.worker;

import io.needle.metadata.RepagedChunk;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.apache.parquet.format.CompressionCodec;

/**
 * The page table of a re-paged chunk as stored in the page store (at
 * {@link RepagedAddress#table}), so that a restarted worker serves the re-paged pages without
 * re-paging. The store checksums it like any page; {@link #decode} also rejects another layout
 * or other re-paging settings (then the chunk is re-paged again).
 *
 * <pre>
 *  int magic "NDRP"  int format  long settings  int rowGroup  int leaf  utf8 codec name (short length)
 *  int pages  byte bounds (0/1)
 *  per page: int length  long firstRow  [bounds: short minLength (-1: none) min  short maxLength max]
 * </pre>
 * Little-endian. Page offsets are not stored: the pages follow one another from offset 0 of the
 * chunk's address space.
 */
final class RepagedTableCodec {
  private static final int MAGIC = 0x5052444E; // "NDRP"
  private static final int FORMAT = 1;

  private RepagedTableCodec() {}

  static byte[] encode(RepagedChunk chunk, long settings) {
    byte[] codec = chunk.codec().name().getBytes(StandardCharsets.UTF_8);
    boolean bounds = hasBounds(chunk);
    long bytes = 4 + 4 + 8 + 4 + 4 + 2 + codec.length + 4 + 1;
    for (int p = 0; p < chunk.pageCount(); p++) {
      bytes += 12;
      if (bounds) {
        bytes += 4 + length(chunk.keyMin(p)) + length(chunk.keyMax(p));
      }
    }
    ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(bytes)).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(MAGIC).putInt(FORMAT).putLong(settings).putInt(chunk.rowGroup()).putInt(chunk.leaf());
    b.putShort((short) codec.length).put(codec).putInt(chunk.pageCount()).put((byte) (bounds ? 1 : 0));
    for (int p = 0; p < chunk.pageCount(); p++) {
      b.putInt(chunk.length(p)).putLong(chunk.firstRow(p));
      if (bounds) {
        putBound(b, chunk.keyMin(p));
        putBound(b, chunk.keyMax(p));
      }
    }
    return b.array();
  }

  /**
   * The chunk stored in {@code bytes}, or null when they hold another format, other settings,
   * another chunk, or do not parse.
   */
  static RepagedChunk decode(ByteBuffer bytes, long settings, int rowGroup, int leaf) {
    ByteBuffer b = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    try {
      if (b.getInt() != MAGIC || b.getInt() != FORMAT || b.getLong() != settings || b.getInt() != rowGroup
          || b.getInt() != leaf) {
        return null;
      }
      byte[] codec = new byte[b.getShort()];
      b.get(codec);
      int n = b.getInt();
      boolean bounds = b.get() == 1;
      if (n <= 0 || n > b.remaining() / 12) {
        return null;
      }
      long[] offsets = new long[n];
      int[] lengths = new int[n];
      long[] firstRows = new long[n];
      byte[][] mins = bounds ? new byte[n][] : null;
      byte[][] maxs = bounds ? new byte[n][] : null;
      long at = 0;
      for (int p = 0; p < n; p++) {
        lengths[p] = b.getInt();
        firstRows[p] = b.getLong();
        if (lengths[p] <= 0 || at + lengths[p] >= RepagedAddress.TABLE_OFFSET) {
          return null;
        }
        offsets[p] = RepagedAddress.page(rowGroup, leaf, at);
        at += lengths[p];
        if (bounds) {
          mins[p] = bound(b);
          maxs[p] = bound(b);
        }
      }
      if (b.hasRemaining()) {
        return null;
      }
      return new RepagedChunk(rowGroup, leaf, CompressionCodec.valueOf(new String(codec, StandardCharsets.UTF_8)), offsets,
          lengths, firstRows, mins, maxs);
    } catch (BufferUnderflowException | IllegalArgumentException | NegativeArraySizeException e) {
      return null;
    }
  }

  private static boolean hasBounds(RepagedChunk chunk) {
    for (int p = 0; p < chunk.pageCount(); p++) {
      if (chunk.keyMin(p) != null) {
        return true;
      }
    }
    return false;
  }

  private static int length(byte[] bound) {
    return bound == null ? 0 : bound.length;
  }

  private static void putBound(ByteBuffer b, byte[] bound) {
    b.putShort((short) (bound == null ? -1 : bound.length));
    if (bound != null) {
      b.put(bound);
    }
  }

  private static byte[] bound(ByteBuffer b) {
    int length = b.getShort();
    if (length < 0) {
      return null;
    }
    byte[] out = new byte[length];
    b.get(out);
    return out;
  }
}
