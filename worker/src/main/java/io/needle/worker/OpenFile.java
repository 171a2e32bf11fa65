package io.needle.worker;

import io.needle.metadata.FileSource;
import io.needle.metadata.FileVersion;
import io.netty.util.AbstractReferenceCounted;
import io.netty.util.ReferenceCounted;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * An open descriptor of exactly one file version, shared by metadata loads and zero-copy sends.
 *
 * <p>Why a long-lived descriptor: once open, the descriptor keeps reading the inode it was opened
 * on even if the path is replaced, so the pages sent for a lookup always come from the version
 * whose footer planned them. Reference counted: the cache of open files holds one reference,
 * each in-flight send region another; the descriptor closes when the last one is released.
 */
final class OpenFile extends AbstractReferenceCounted implements FileSource {
  private final FileVersion version;
  private final FileChannel channel;

  OpenFile(FileVersion version, FileChannel channel) {
    this.version = version;
    this.channel = channel;
  }

  @Override
  public FileVersion version() {
    return version;
  }

  FileChannel channel() {
    return channel;
  }

  @Override
  public void readFully(long position, ByteBuffer dst) throws IOException {
    if (position < 0 || position + dst.remaining() > version.sizeBytes()) {
      throw new EOFException("read of " + dst.remaining() + " bytes at " + position + " past the end of "
          + version.path() + " (" + version.sizeBytes() + " bytes)");
    }
    long at = position;
    while (dst.hasRemaining()) {
      int n = channel.read(dst, at);
      if (n < 0) {
        throw new EOFException("unexpected end of " + version.path() + " at " + at);
      }
      at += n;
    }
  }

  @Override
  protected void deallocate() {
    try {
      channel.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public ReferenceCounted touch(Object hint) {
    return this;
  }
}
