package io.needle.bench.s3;

import static java.util.Objects.requireNonNull;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.services.s3.S3AsyncClient;

/**
 * A parquet-java {@link InputFile} over one S3 object, read with ranged GETs through the AWS SDK
 * v2 (no Hadoop S3A): parquet-java straight from S3, as a user without Needle reads it.
 *
 * <p>Read policy, that of S3A's random input policy with its default 64 KiB read-ahead: a read
 * the stream's current window does not hold GETs {@code [pos, pos + max(64 KiB, wanted))},
 * clipped at the object's end, and is served from that window. So the footer costs two GETs
 * (its length at the tail, then the footer), the byte-by-byte Thrift reads of index, bloom
 * filter and page headers come from a window, and every range parquet-java asks for that is not
 * in the window costs one GET. The object's length is given (from the listing, as S3A takes it
 * from a file status), so opening a stream costs no HEAD. Nothing is cached between streams.
 *
 * <p>Thread-safe: each {@link #newStream()} is independent; a stream is used by one thread.
 */
public final class S3RangeInputFile implements InputFile {
  static final int READ_AHEAD_BYTES = 64 * 1024;

  private final S3AsyncClient client;
  private final String bucket;
  private final String key;
  private final long length;
  private final AtomicLong gets;

  S3RangeInputFile(S3AsyncClient client, String bucket, String key, long length, AtomicLong gets) {
    this.client = requireNonNull(client, "client is null");
    this.bucket = requireNonNull(bucket, "bucket is null");
    this.key = requireNonNull(key, "key is null");
    if (length < 0) {
      throw new IllegalArgumentException("length must not be negative: " + length);
    }
    this.length = length;
    this.gets = requireNonNull(gets, "gets is null");
  }

  @Override
  public long getLength() {
    return length;
  }

  @Override
  public SeekableInputStream newStream() {
    return new RangeStream();
  }

  @Override
  public String toString() {
    return "s3://" + bucket + "/" + key;
  }

  private byte[] get(long first, long lastInclusive) throws IOException {
    gets.incrementAndGet();
    byte[] bytes;
    try {
      bytes = client.getObject(b -> b.bucket(bucket).key(key).range("bytes=" + first + "-" + lastInclusive),
          AsyncResponseTransformer.toBytes()).join().asByteArrayUnsafe();
    } catch (CompletionException e) {
      throw new IOException("GET " + this + " bytes " + first + "-" + lastInclusive + " failed", e.getCause());
    }
    if (bytes.length != lastInclusive - first + 1) {
      throw new IOException("GET " + this + " bytes " + first + "-" + lastInclusive + " returned " + bytes.length
          + " bytes");
    }
    return bytes;
  }

  private final class RangeStream extends SeekableInputStream {
    private long pos;
    private byte[] window = new byte[0];
    private long windowStart;

    @Override
    public long getPos() {
      return pos;
    }

    @Override
    public void seek(long newPos) throws IOException {
      if (newPos < 0 || newPos > length) {
        throw new EOFException("seek to " + newPos + " outside " + S3RangeInputFile.this + " of " + length + " bytes");
      }
      pos = newPos;
    }

    @Override
    public int read() throws IOException {
      if (pos >= length) {
        return -1;
      }
      ensureWindow(1);
      return window[(int) (pos++ - windowStart)] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (pos >= length) {
        return -1;
      }
      int n = (int) Math.min(len, length - pos);
      readFully(b, off, n);
      return n;
    }

    @Override
    public void readFully(byte[] b) throws IOException {
      readFully(b, 0, b.length);
    }

    @Override
    public void readFully(byte[] b, int off, int len) throws IOException {
      requireAvailable(len);
      while (len > 0) {
        int n = ensureWindow(len);
        System.arraycopy(window, (int) (pos - windowStart), b, off, n);
        pos += n;
        off += n;
        len -= n;
      }
    }

    @Override
    public int read(ByteBuffer buf) throws IOException {
      if (!buf.hasRemaining()) {
        return 0;
      }
      if (pos >= length) {
        return -1;
      }
      int n = (int) Math.min(buf.remaining(), length - pos);
      copyInto(buf, n);
      return n;
    }

    @Override
    public void readFully(ByteBuffer buf) throws IOException {
      requireAvailable(buf.remaining());
      copyInto(buf, buf.remaining());
    }

    private void copyInto(ByteBuffer buf, int len) throws IOException {
      while (len > 0) {
        int n = ensureWindow(len);
        buf.put(window, (int) (pos - windowStart), n);
        pos += n;
        len -= n;
      }
    }

    /** Makes the window hold {@code pos}, GETting a new one when it does not; the bytes available from pos, at most wanted. */
    private int ensureWindow(int wanted) throws IOException {
      if (pos < windowStart || pos >= windowStart + window.length) {
        long end = Math.min(length, pos + Math.max(READ_AHEAD_BYTES, (long) wanted));
        window = get(pos, end - 1);
        windowStart = pos;
      }
      return (int) Math.min(wanted, windowStart + window.length - pos);
    }

    private void requireAvailable(int len) throws EOFException {
      if (len > length - pos) {
        throw new EOFException("read of " + len + " bytes at " + pos + " past the end of " + S3RangeInputFile.this
            + " (" + length + " bytes)");
      }
    }
  }
}
