package io.needle.pagestore;

import java.io.IOException;

/**
 * Test hook in front of the store's file I/O: lets tests inject ENOSPC and EIO where a real
 * failing disk would produce them. Production uses {@link #NONE}.
 */
interface IoFaults {
  IoFaults NONE = new IoFaults() {};

  /** Called before every write of {@code lengthBytes} at {@code filePosition} of the region file. */
  default void beforeWrite(long filePosition, int lengthBytes) throws IOException {}

  /** Called before a hit reads the record header at {@code filePosition}. */
  default void beforeRead(long filePosition, int lengthBytes) throws IOException {}
}
