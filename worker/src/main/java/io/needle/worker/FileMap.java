package io.needle.worker;

import io.netty.buffer.ByteBuf;
import java.nio.channels.FileChannel;

/**
 * A read-only memory map of one open file version, to copy small page spans into an answer
 * without a {@code pread} each. This is the Java 21 version, which maps nothing: Java 21 can
 * unmap a file early only through APIs deprecated for removal, and a map left to the garbage
 * collector would hold a replaced file's disk space for as long as the collector takes. The Java
 * 22+ version in {@code src/main/java22} (a multi-release jar) maps through the FFM API, whose
 * arenas unmap when closed. Callers fall back to {@code pread} whenever there is no map.
 */
final class FileMap implements AutoCloseable {
  private FileMap() {}

  /** A map of the first {@code size} bytes of {@code channel}, or null when there is none. */
  static FileMap open(FileChannel channel, long size) {
    return null;
  }

  /**
   * Appends {@code length} bytes from {@code position} to {@code dst}, which has room for them;
   * false when they could not be copied (then nothing was appended).
   */
  boolean copyTo(ByteBuf dst, long position, int length) {
    return false;
  }

  @Override
  public void close() {}
}
