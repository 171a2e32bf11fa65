package io.needle.metadata;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicInteger;

/** A {@link FileSource} over a local file that counts its reads (tests only). */
final class LocalFileSource implements FileSource {
  private final Path path;
  private final FileVersion version;
  final AtomicInteger reads = new AtomicInteger();
  final java.util.concurrent.atomic.AtomicLong bytesRead = new java.util.concurrent.atomic.AtomicLong();

  LocalFileSource(Path path) throws IOException {
    this.path = path;
    this.version = new FileVersion(path.toString(), Files.size(path), Long.toString(Files.getLastModifiedTime(path).toMillis()));
  }

  @Override
  public FileVersion version() {
    return version;
  }

  @Override
  public void readFully(long position, ByteBuffer dst) throws IOException {
    reads.incrementAndGet();
    bytesRead.addAndGet(dst.remaining());
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      long pos = position;
      while (dst.hasRemaining()) {
        int n = ch.read(dst, pos);
        if (n < 0) {
          throw new EOFException(path + " ends before " + (pos + dst.remaining()));
        }
        pos += n;
      }
    }
  }
}
