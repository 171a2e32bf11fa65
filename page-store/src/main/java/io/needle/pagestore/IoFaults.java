package io.needle.pagestore;

import io.needle.pagestore.hooks.ReadStall;
import java.io.IOException;

/**
 * Test hook in front of the store's file I/O: lets tests inject ENOSPC and EIO where a real
 * failing disk would produce them, and stalls where a slow one would. Production uses {@link #NONE}.
 */
interface IoFaults {
  IoFaults NONE = new IoFaults() {};

  /** Reads that first wait out {@code stall}'s current delay (a slow disk); writes untouched. */
  static IoFaults stalling(ReadStall stall) {
    return new IoFaults() {
      @Override
      public void beforeRead(long filePosition, int lengthBytes) {
        stall.await();
      }
    };
  }

  /** Called before every write of {@code lengthBytes} at {@code filePosition} of the region file. */
  default void beforeWrite(long filePosition, int lengthBytes) throws IOException {}

  /** Called before a hit reads the record header at {@code filePosition}. */
  default void beforeRead(long filePosition, int lengthBytes) throws IOException {}
}
