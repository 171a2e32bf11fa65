package io.needle.bench.check;

import io.needle.metadata.FileSource;
import io.needle.metadata.FileVersion;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/** A local file as the metadata cache reads it, counting the bytes it reads. Single-threaded. */
final class CountingFileSource implements FileSource, AutoCloseable {
  private final FileChannel channel;
  private final FileVersion version;
  private long bytesRead;

  private CountingFileSource(FileChannel channel, FileVersion version) {
    this.channel = channel;
    this.version = version;
  }

  static CountingFileSource open(Path file) throws IOException {
    return new CountingFileSource(FileChannel.open(file),
        new FileVersion(file.toString(), Files.size(file), Files.getLastModifiedTime(file).toString()));
  }

  @Override
  public FileVersion version() {
    return version;
  }

  @Override
  public void readFully(long position, ByteBuffer dst) throws IOException {
    long at = position;
    while (dst.hasRemaining()) {
      int n = channel.read(dst, at);
      if (n < 0) {
        throw new EOFException(version.path() + " ends before byte " + at);
      }
      at += n;
      bytesRead += n;
    }
  }

  long bytesRead() {
    return bytesRead;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
