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
 *
 * <p>A remote version (an S3 object) has no descriptor: its bytes come from a {@link FileSource}
 * of ranged GETs pinned to the version, and it is only ever served through the page cache
 * (never sendfile).
 */
final class OpenFile extends AbstractReferenceCounted implements FileSource {
  private final FileVersion version;
  private final String versionKey; // the page store's name of the version, asked per lookup
  private final String wireToken; // the version as answers name it, written per lookup
  private final FileChannel channel;
  private final FileSource remote;
  private final int coalesceGapBytes;
  private FileMap map; // made on first use; guarded by this
  private boolean mapTried; // guarded by this

  OpenFile(FileVersion version, FileChannel channel) {
    this.version = version;
    this.versionKey = PageCache.versionKey(version);
    this.wireToken = version.wireToken();
    this.channel = channel;
    this.remote = null;
    this.coalesceGapBytes = 0;
  }

  /** A remote version: reads go to {@code remote}; misses closer than {@code coalesceGapBytes} share a read. */
  OpenFile(FileSource remote, int coalesceGapBytes) {
    this.version = remote.version();
    this.versionKey = PageCache.versionKey(version);
    this.wireToken = version.wireToken();
    this.channel = null;
    this.remote = remote;
    this.coalesceGapBytes = coalesceGapBytes;
  }

  boolean isRemote() {
    return remote != null;
  }

  /** The S3 source of a remote version; IllegalStateException for a local file. */
  S3ObjectSource remoteS3() {
    if (remote instanceof S3ObjectSource s3) {
      return s3;
    }
    throw new IllegalStateException(version.path() + " is not an S3 object");
  }

  /** Missing pages closer than this are read together (0: only adjacent ones). */
  int coalesceGapBytes() {
    return coalesceGapBytes;
  }

  @Override
  public FileVersion version() {
    return version;
  }

  /** {@link PageCache#versionKey(FileVersion)} of this version, made once. */
  String versionKey() {
    return versionKey;
  }

  /** {@link FileVersion#wireToken()} of this version, made once. */
  String wireToken() {
    return wireToken;
  }

  /**
   * The version's read-only map, made on first use, or null when there is none (Java 21, a
   * remote version, a failed map); valid while the caller holds a reference to this file.
   */
  synchronized FileMap map() {
    if (!mapTried && channel != null && refCnt() > 0) {
      mapTried = true;
      map = FileMap.open(channel, version.sizeBytes());
    }
    return map;
  }

  FileChannel channel() {
    if (channel == null) {
      throw new IllegalStateException("remote file " + version.path() + " has no local descriptor");
    }
    return channel;
  }

  @Override
  public void readFully(long position, ByteBuffer dst) throws IOException {
    if (remote != null) {
      remote.readFully(position, dst);
      return;
    }
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
    if (channel == null) {
      return;
    }
    synchronized (this) {
      if (map != null) {
        map.close(); // unmaps: no span is being copied, every copier held a reference
        map = null;
      }
    }
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
