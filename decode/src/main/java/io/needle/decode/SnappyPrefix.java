package io.needle.decode;

import io.needle.protocol.proto.Codec;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Raw Snappy decompression that stops as soon as the caller has the bytes it needs, and resumes
 * from there if it needs more. Why: a point lookup wants one row of a page, on average half way
 * in, and PLAIN values before it can be skipped only once they are decompressed; the rest of the
 * page need never be. Snappy can stop anywhere, because every element only appends to the output
 * or copies from what is already there.
 *
 * <p>Format (github.com/google/snappy, format_description.txt): a varint of the uncompressed
 * length, then elements whose tag's low two bits say: 0 literal (length in the tag, or in 1-4
 * following bytes), 1 copy with an 11-bit offset and a length of 4-11, 2 copy with a 16-bit
 * offset, 3 copy with a 32-bit offset (length 1-64 in the tag). Copies may overlap their output.
 *
 * <p>Every length and offset is checked against the input and the declared output; malformed
 * input throws {@link DecodeException} (CORRUPT). The input is a heap array or a direct buffer
 * read in place by absolute index (its position is never used). Not thread-safe.
 */
final class SnappyPrefix {
  private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle BUFFER_LONG = MethodHandles.byteBufferViewVarHandle(long[].class,
      ByteOrder.LITTLE_ENDIAN);

  private final byte[] in; // null when the input is inBuffer
  private final ByteBuffer inBuffer;
  private final int inEnd;
  private final byte[] out;
  private final int outEnd;
  private final int outStart;
  private int ip;
  private int op;

  /**
   * @param out receives the uncompressed bytes at {@code [outOffset, outOffset + declared)}; the
   *     declared length must be exactly {@code out.length - outOffset}
   */
  SnappyPrefix(byte[] in, int offset, int length, byte[] out, int outOffset) throws DecodeException {
    this(in, null, in.length, offset, length, out, outOffset);
  }

  /** Over a direct (or any) buffer, from absolute index {@code offset}. */
  SnappyPrefix(ByteBuffer in, int offset, int length, byte[] out, int outOffset) throws DecodeException {
    this(null, in, in.capacity(), offset, length, out, outOffset);
  }

  private SnappyPrefix(byte[] in, ByteBuffer inBuffer, int capacity, int offset, int length, byte[] out, int outOffset)
      throws DecodeException {
    if (offset < 0 || length < 0 || offset > capacity - length || outOffset < 0 || outOffset > out.length) {
      throw corrupt("stream bounds outside the page");
    }
    this.in = in;
    this.inBuffer = inBuffer;
    this.inEnd = offset + length;
    this.out = out;
    this.outEnd = out.length;
    this.ip = offset;
    this.op = outOffset;
    this.outStart = outOffset;
    long declared = 0;
    for (int shift = 0; ; shift += 7) {
      if (ip >= inEnd || shift > 28) {
        throw corrupt("unreadable uncompressed length");
      }
      int b = in(ip++);
      declared |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        break;
      }
    }
    if (declared != outEnd - outOffset) {
      throw corrupt("stream declares " + declared + " bytes, the page " + (outEnd - outOffset));
    }
  }

  /** Bytes of {@code out} valid so far (from index 0, the output offset included). */
  int available() {
    return op;
  }

  boolean done() {
    return op == outEnd;
  }

  /** Decompresses until {@code out[0, min(n, out.length))} is valid. */
  void ensure(int n) throws DecodeException {
    int target = Math.min(n, outEnd);
    while (op < target) {
      element();
    }
    if (op == outEnd && ip != inEnd) {
      throw corrupt((inEnd - ip) + " bytes after the end of the stream");
    }
  }

  private void element() throws DecodeException {
    if (ip >= inEnd) {
      throw corrupt("stream ends after " + op + " of " + outEnd + " bytes");
    }
    int tag = in(ip++) & 0xff;
    int length;
    int offset;
    switch (tag & 3) {
      case 0 -> {
        length = tag >>> 2;
        if (length >= 60) {
          int bytes = length - 59;
          if (ip + bytes > inEnd) {
            throw corrupt("literal length past the input");
          }
          long l = 0;
          for (int i = 0; i < bytes; i++) {
            l |= (long) (in(ip++) & 0xff) << (8 * i);
          }
          if (l >= Integer.MAX_VALUE) {
            throw corrupt("literal of " + (l + 1) + " bytes");
          }
          length = (int) l;
        }
        length++;
        if (length > inEnd - ip || length > outEnd - op) {
          throw corrupt("literal of " + length + " bytes past the input or the output");
        }
        if (length <= 16 && ip + 16 <= inEnd && op + 16 <= outEnd) {
          // Short literals are most of a text page's elements: two word moves beat a call. Bytes
          // written past the literal are inside the output and overwritten by what follows.
          LONG.set(out, op, inLong(ip));
          LONG.set(out, op + 8, inLong(ip + 8));
        } else if (in != null) {
          System.arraycopy(in, ip, out, op, length);
        } else {
          inBuffer.get(ip, out, op, length);
        }
        ip += length;
        op += length;
        return;
      }
      case 1 -> {
        if (ip >= inEnd) {
          throw corrupt("copy offset past the input");
        }
        length = 4 + ((tag >>> 2) & 7);
        offset = (tag >>> 5) << 8 | (in(ip++) & 0xff);
      }
      case 2 -> {
        if (ip + 2 > inEnd) {
          throw corrupt("copy offset past the input");
        }
        length = 1 + (tag >>> 2);
        offset = (in(ip) & 0xff) | (in(ip + 1) & 0xff) << 8;
        ip += 2;
      }
      default -> {
        if (ip + 4 > inEnd) {
          throw corrupt("copy offset past the input");
        }
        length = 1 + (tag >>> 2);
        offset = (in(ip) & 0xff) | (in(ip + 1) & 0xff) << 8 | (in(ip + 2) & 0xff) << 16 | (in(ip + 3) & 0xff) << 24;
        ip += 4;
      }
    }
    if (offset <= 0 || offset > op - outStart || length > outEnd - op) {
      throw corrupt("copy of " + length + " bytes from " + offset + " back at output byte " + op);
    }
    int from = op - offset;
    if (offset >= 8 && op + length + 8 <= outEnd) {
      // Word moves: each reads only bytes before the one it writes (offset >= 8), so the copy is
      // exact even where source and target overlap; up to 7 bytes past the copy are overwritten later.
      for (int i = 0; i < length; i += 8) {
        LONG.set(out, op + i, (long) LONG.get(out, from + i));
      }
    } else if (offset >= length) {
      System.arraycopy(out, from, out, op, length);
    } else {
      for (int i = 0; i < length; i++) { // overlapping: a run that repeats the last offset bytes
        out[op + i] = out[from + i];
      }
    }
    op += length;
  }

  private byte in(int at) {
    return in != null ? in[at] : inBuffer.get(at);
  }

  private long inLong(int at) {
    return in != null ? (long) LONG.get(in, at) : (long) BUFFER_LONG.get(inBuffer, at);
  }

  private static DecodeException corrupt(String why) {
    return new DecodeException(DecodeException.Kind.CORRUPT, Codec.SNAPPY + " page body does not decompress: " + why);
  }
}
