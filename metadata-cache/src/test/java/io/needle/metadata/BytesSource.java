package io.needle.metadata;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;

/** An in-memory {@link FileSource} that counts reads (tests only). */
final class BytesSource implements FileSource {
  private final byte[] bytes;
  private final FileVersion version;
  final AtomicInteger reads = new AtomicInteger();

  BytesSource(String name, byte[] bytes) {
    this.bytes = bytes;
    this.version = new FileVersion(name, bytes.length, "t" + java.util.Arrays.hashCode(bytes));
  }

  @Override
  public FileVersion version() {
    return version;
  }

  @Override
  public void readFully(long position, ByteBuffer dst) throws IOException {
    reads.incrementAndGet();
    if (position < 0 || position + dst.remaining() > bytes.length) {
      throw new EOFException(version.path() + ": read of " + dst.remaining() + " bytes at " + position + " past the end " + bytes.length);
    }
    dst.put(bytes, (int) position, dst.remaining());
  }
}
