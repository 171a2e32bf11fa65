package io.needle.worker;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;

/**
 * A read-only memory map of one open file version, to copy small page spans into an answer
 * without a {@code pread} each (Java 22+: the FFM API; see the Java 21 version for why that
 * one maps nothing).
 *
 * <p>Why: a 12-column lookup copies ~20 spans of a few KiB; a {@code pread} each was ~20 µs of
 * worker time per lookup, against a memory copy from pages already in the OS cache. Lifetime:
 * the map belongs to its {@link OpenFile} and is unmapped when the last reference to that file
 * version is released (the arena is shared, so that may happen on any thread), so a replaced or
 * deleted file's space is not held. Faults: if the file shrinks under the map, a copy faults;
 * the JVM reports that as an {@link InternalError}, which makes the copy return false and the
 * caller read the span the ordinary way, which then fails as an I/O error.
 */
final class FileMap implements AutoCloseable {
  private final Arena arena;
  private final MemorySegment segment;

  private FileMap(Arena arena, MemorySegment segment) {
    this.arena = arena;
    this.segment = segment;
  }

  /** A map of the first {@code size} bytes of {@code channel}, or null when it cannot be mapped. */
  static FileMap open(FileChannel channel, long size) {
    if (size <= 0) {
      return null;
    }
    Arena arena = Arena.ofShared();
    try {
      return new FileMap(arena, channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena));
    } catch (IOException | RuntimeException e) {
      arena.close();
      return null;
    }
  }

  /**
   * Appends {@code length} bytes from {@code position} to {@code dst}, which has room for them;
   * false when they could not be copied (then nothing was appended).
   */
  boolean copyTo(ByteBuf dst, long position, int length) {
    if (position < 0 || length < 0 || position + length > segment.byteSize() || dst.writableBytes() < length) {
      return false;
    }
    try {
      // internalNioBuffer: the pooled buffer's own cached view, not a new ByteBuffer per span.
      MemorySegment.copy(segment, position, MemorySegment.ofBuffer(dst.internalNioBuffer(dst.writerIndex(), length)), 0,
          length);
    } catch (InternalError | RuntimeException fault) {
      return false;
    }
    dst.writerIndex(dst.writerIndex() + length);
    return true;
  }

  @Override
  public void close() {
    arena.close();
  }
}
