package io.needle.decode;

import io.airlift.compress.Decompressor;
import io.airlift.compress.lz4.Lz4Decompressor;
import io.airlift.compress.snappy.SnappyDecompressor;
import io.airlift.compress.zstd.ZstdDecompressor;
import io.needle.protocol.proto.Codec;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.zip.GZIPInputStream;

/**
 * Decompresses one page body into exactly its declared uncompressed size, with pure-Java codecs
 * (aircompressor and the JDK's zip): no JNI in the library applications embed.
 *
 * <p>Bombs fail cleanly: the output array is never larger than the declared size, which must not
 * exceed {@link #MAX_PAGE_BYTES}, and an output that does not fill it exactly is CORRUPT.
 *
 * <p>{@link Codec#LZ4} is Hadoop's framing ([4-byte BE uncompressed length][4-byte BE compressed
 * length][LZ4 block]...); some writers put a bare LZ4 block or an LZ4 frame under that codec, so
 * those are tried in turn, as other readers do. Stateless and thread-safe (aircompressor's
 * decompressors are stateless; one instance per call is cheap).
 */
final class PageDecompressor {
  /** Largest uncompressed page accepted: far above any real page, far below a heap-size bomb. */
  static final int MAX_PAGE_BYTES = 256 << 20;

  private PageDecompressor() {}

  static byte[] decompress(Codec codec, byte[] in, int offset, int length, int uncompressedBytes) throws DecodeException {
    if (uncompressedBytes < 0 || uncompressedBytes > MAX_PAGE_BYTES) {
      throw corrupt(codec, "declared uncompressed size " + uncompressedBytes + " is outside [0, " + MAX_PAGE_BYTES + "]");
    }
    if (offset < 0 || length < 0 || offset + length > in.length) {
      throw corrupt(codec, "body of " + length + " bytes at " + offset + " exceeds the " + in.length + " available");
    }
    byte[] out = new byte[uncompressedBytes];
    try {
      int written = switch (codec) {
        case UNCOMPRESSED -> {
          if (length != uncompressedBytes) {
            throw corrupt(codec, "body has " + length + " bytes but declares " + uncompressedBytes);
          }
          System.arraycopy(in, offset, out, 0, length);
          yield length;
        }
        case SNAPPY -> snappy(in, offset, length, out);
        case GZIP -> gzip(in, offset, length, out);
        case ZSTD -> new ZstdDecompressor().decompress(in, offset, length, out, 0, out.length);
        case LZ4_RAW -> new Lz4Decompressor().decompress(in, offset, length, out, 0, out.length);
        case LZ4 -> hadoopLz4(in, offset, length, out);
        case LZO, BROTLI -> throw new DecodeException(DecodeException.Kind.UNSUPPORTED,
            "codec " + codec + " is not supported by the Needle client");
        case UNRECOGNIZED -> throw new DecodeException(DecodeException.Kind.UNSUPPORTED, "unknown codec");
      };
      if (written != uncompressedBytes) {
        throw corrupt(codec, "decompressed to " + written + " bytes but the page declares " + uncompressedBytes);
      }
      return out;
    } catch (RuntimeException e) {
      throw new DecodeException(DecodeException.Kind.CORRUPT, codec + " page body does not decompress: " + e.getMessage(), e);
    }
  }

  /**
   * The same from a direct buffer, read in place: {@code in} belongs to the caller's decode (its
   * position and limit are set here), {@code offset} is absolute. Hadoop-framed {@link Codec#LZ4},
   * deprecated and rare, is the one codec whose body is copied to the heap first.
   */
  static byte[] decompress(Codec codec, ByteBuffer in, int offset, int length, int uncompressedBytes)
      throws DecodeException {
    if (uncompressedBytes < 0 || uncompressedBytes > MAX_PAGE_BYTES) {
      throw corrupt(codec, "declared uncompressed size " + uncompressedBytes + " is outside [0, " + MAX_PAGE_BYTES + "]");
    }
    if (offset < 0 || length < 0 || offset > in.capacity() - length) {
      throw corrupt(codec, "body of " + length + " bytes at " + offset + " exceeds the " + in.capacity() + " available");
    }
    byte[] out = new byte[uncompressedBytes];
    ByteBuffer body = in.clear().position(offset).limit(offset + length);
    try {
      int written = switch (codec) {
        case UNCOMPRESSED -> {
          if (length != uncompressedBytes) {
            throw corrupt(codec, "body has " + length + " bytes but declares " + uncompressedBytes);
          }
          in.get(offset, out, 0, length);
          yield length;
        }
        case SNAPPY -> {
          int declared = snappyDeclaredLength(in, offset, length);
          if (declared != out.length) {
            throw corrupt(Codec.SNAPPY, "snappy stream declares " + declared + " bytes, the page " + out.length);
          }
          yield into(new SnappyDecompressor(), body, out);
        }
        case GZIP -> gzip(new BufferInput(in, offset, length), out);
        case ZSTD -> into(new ZstdDecompressor(), body, out);
        case LZ4_RAW -> into(new Lz4Decompressor(), body, out);
        case LZ4 -> {
          byte[] heap = new byte[length];
          in.get(offset, heap, 0, length);
          yield hadoopLz4(heap, 0, length, out);
        }
        case LZO, BROTLI -> throw new DecodeException(DecodeException.Kind.UNSUPPORTED,
            "codec " + codec + " is not supported by the Needle client");
        case UNRECOGNIZED -> throw new DecodeException(DecodeException.Kind.UNSUPPORTED, "unknown codec");
      };
      if (written != uncompressedBytes) {
        throw corrupt(codec, "decompressed to " + written + " bytes but the page declares " + uncompressedBytes);
      }
      return out;
    } catch (RuntimeException e) {
      throw new DecodeException(DecodeException.Kind.CORRUPT, codec + " page body does not decompress: " + e.getMessage(), e);
    } finally {
      in.clear(); // the caller's absolute reads are bounded by the limit: give it back the whole buffer
    }
  }

  /** Bytes written into {@code out} by a decompressor reading {@code body} from its position to its limit. */
  private static int into(Decompressor decompressor, ByteBuffer body, byte[] out) {
    ByteBuffer target = ByteBuffer.wrap(out);
    decompressor.decompress(body, target);
    return target.position();
  }

  /** The varint a raw Snappy stream starts with, read by absolute index. */
  private static int snappyDeclaredLength(ByteBuffer in, int offset, int length) throws DecodeException {
    int declared = 0;
    for (int i = 0; i < Math.min(length, 5); i++) {
      int b = in.get(offset + i);
      declared |= (b & 0x7f) << (7 * i);
      if ((b & 0x80) == 0) {
        return declared;
      }
    }
    throw corrupt(Codec.SNAPPY, "unreadable uncompressed length");
  }

  private static int snappy(byte[] in, int offset, int length, byte[] out) throws DecodeException {
    int declared = SnappyDecompressor.getUncompressedLength(in, offset);
    if (declared != out.length) {
      throw corrupt(Codec.SNAPPY, "snappy stream declares " + declared + " bytes, the page " + out.length);
    }
    return new SnappyDecompressor().decompress(in, offset, length, out, 0, out.length);
  }

  private static int gzip(byte[] in, int offset, int length, byte[] out) throws DecodeException {
    return gzip(new ByteArrayInputStream(in, offset, length), out);
  }

  private static int gzip(InputStream compressed, byte[] out) throws DecodeException {
    // GZIPInputStream reads concatenated members on its own.
    try (InputStream gz = new GZIPInputStream(compressed, 8192)) {
      int total = 0;
      while (total < out.length) {
        int n = gz.read(out, total, out.length - total);
        if (n < 0) {
          break;
        }
        total += n;
      }
      if (total == out.length && gz.read() >= 0) {
        throw corrupt(Codec.GZIP, "gzip stream holds more than the declared " + out.length + " bytes");
      }
      return total;
    } catch (IOException e) {
      throw new DecodeException(DecodeException.Kind.CORRUPT, "GZIP page body does not decompress: " + e.getMessage(), e);
    }
  }

  private static int hadoopLz4(byte[] in, int offset, int length, byte[] out) throws DecodeException {
    int written = tryHadoopFraming(in, offset, length, out);
    if (written == out.length) {
      return written;
    }
    try {
      written = new Lz4Decompressor().decompress(in, offset, length, out, 0, out.length);
      if (written == out.length) {
        return written;
      }
    } catch (RuntimeException e) {
      // not a bare block either; try the frame format
    }
    return Lz4Frame.decompress(in, offset, length, out);
  }

  /** Bytes written when the input parses as Hadoop LZ4 blocks filling {@code out}, else -1. */
  private static int tryHadoopFraming(byte[] in, int offset, int length, byte[] out) {
    int pos = offset;
    int end = offset + length;
    int written = 0;
    try {
      while (pos < end) {
        if (end - pos < 4) {
          return -1;
        }
        long blockBytes = readIntBigEndian(in, pos) & 0xffffffffL;
        pos += 4;
        if (blockBytes > out.length - written) {
          return -1;
        }
        long blockEnd = written + blockBytes;
        while (written < blockEnd) {
          if (end - pos < 4) {
            return -1;
          }
          long chunk = readIntBigEndian(in, pos) & 0xffffffffL;
          pos += 4;
          if (chunk > end - pos) {
            return -1;
          }
          int n = new Lz4Decompressor().decompress(in, pos, (int) chunk, out, written, (int) (blockEnd - written));
          pos += (int) chunk;
          written += n;
        }
        if (written != blockEnd) {
          return -1;
        }
      }
      return written;
    } catch (RuntimeException e) {
      return -1;
    }
  }

  static int readIntBigEndian(byte[] b, int i) {
    return ((b[i] & 0xff) << 24) | ((b[i + 1] & 0xff) << 16) | ((b[i + 2] & 0xff) << 8) | (b[i + 3] & 0xff);
  }

  static DecodeException corrupt(Codec codec, String why) {
    return new DecodeException(DecodeException.Kind.CORRUPT, codec + " page body: " + why);
  }

  /**
   * The LZ4 frame format (magic 0x184D2204): a header, then blocks each prefixed by a 4-byte
   * little-endian size whose high bit marks an uncompressed block, ended by a zero size.
   * Checksums are skipped, not verified (the page CRC and the transport CRC cover the bytes).
   */
  static final class Lz4Frame {
    private static final int MAGIC = 0x184D2204;

    private Lz4Frame() {}

    static int decompress(byte[] in, int offset, int length, byte[] out) throws DecodeException {
      int pos = offset;
      int end = offset + length;
      int written = 0;
      try {
        while (pos < end) {
          if (end - pos < 7 || readIntLittleEndian(in, pos) != MAGIC) {
            throw corrupt(Codec.LZ4, "neither Hadoop-framed LZ4, a bare LZ4 block, nor an LZ4 frame");
          }
          pos += 4;
          int flags = in[pos] & 0xff;
          pos += 2; // FLG, BD
          if ((flags >> 6) != 1) {
            throw corrupt(Codec.LZ4, "LZ4 frame version " + (flags >> 6));
          }
          boolean blockChecksum = (flags & 0x10) != 0;
          boolean contentSize = (flags & 0x08) != 0;
          boolean contentChecksum = (flags & 0x04) != 0;
          boolean dictionaryId = (flags & 0x01) != 0;
          pos += (contentSize ? 8 : 0) + (dictionaryId ? 4 : 0) + 1; // + header checksum
          while (true) {
            if (end - pos < 4) {
              throw corrupt(Codec.LZ4, "truncated LZ4 frame");
            }
            int size = readIntLittleEndian(in, pos);
            pos += 4;
            if (size == 0) {
              break;
            }
            int blockBytes = size & 0x7fffffff;
            if (blockBytes > end - pos) {
              throw corrupt(Codec.LZ4, "LZ4 frame block of " + blockBytes + " bytes exceeds the input");
            }
            if ((size & 0x80000000) != 0) {
              if (blockBytes > out.length - written) {
                throw corrupt(Codec.LZ4, "LZ4 frame holds more than the declared " + out.length + " bytes");
              }
              System.arraycopy(in, pos, out, written, blockBytes);
              written += blockBytes;
            } else {
              written += new Lz4Decompressor().decompress(in, pos, blockBytes, out, written, out.length - written);
            }
            pos += blockBytes + (blockChecksum ? 4 : 0);
          }
          pos += contentChecksum ? 4 : 0;
        }
        return written;
      } catch (RuntimeException e) {
        throw new DecodeException(DecodeException.Kind.CORRUPT, "LZ4 page body does not decompress: " + e.getMessage(), e);
      }
    }

    private static int readIntLittleEndian(byte[] b, int i) {
      return (b[i] & 0xff) | ((b[i + 1] & 0xff) << 8) | ((b[i + 2] & 0xff) << 16) | ((b[i + 3] & 0xff) << 24);
    }
  }

  /** A region of a buffer as a stream, read by absolute index (the buffer's position is not used). */
  private static final class BufferInput extends InputStream {
    private final ByteBuffer in;
    private final int end;
    private int at;

    BufferInput(ByteBuffer in, int offset, int length) {
      this.in = in;
      this.at = offset;
      this.end = offset + length;
    }

    @Override
    public int read() {
      return at < end ? in.get(at++) & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (len == 0) {
        return 0;
      }
      int n = Math.min(len, end - at);
      if (n <= 0) {
        return -1;
      }
      in.get(at, b, off, n);
      at += n;
      return n;
    }

    @Override
    public int available() {
      return end - at;
    }
  }
}
