package io.needle.metadata;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Reads byte ranges of exactly one {@link FileVersion}. Implementations block; the metadata
 * cache calls them only on its loader executor, never on an event loop.
 */
public interface FileSource {
  FileVersion version();

  /**
   * Reads {@code dst.remaining()} bytes starting at {@code position} into {@code dst}.
   *
   * @throws java.io.EOFException when the file ends first
   */
  void readFully(long position, ByteBuffer dst) throws IOException;
}
