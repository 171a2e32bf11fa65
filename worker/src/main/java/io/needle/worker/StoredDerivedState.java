package io.needle.worker;

import io.needle.metadata.DerivedStore;
import io.needle.metadata.FileVersion;
import io.needle.pagestore.PageHandle;
import io.needle.pagestore.PageKey;
import io.needle.pagestore.PageStore;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The metadata cache's derived state (walked page tables) as derived records of the page store,
 * under the file version: they survive a restart on the same cache directory and leave with the
 * version. Bytes are checked against the CRC32C the store took when they went in, since the
 * worker (not the client) consumes them.
 */
final class StoredDerivedState implements DerivedStore {
  private final PageStore store;
  private final java.util.concurrent.atomic.LongAdder saved = new java.util.concurrent.atomic.LongAdder();

  StoredDerivedState(PageStore store) {
    this.store = store;
  }

  /** Records offered to the store so far (each is one entry of the store's page count once admitted). */
  long saved() {
    return saved.sum();
  }

  @Override
  public byte[] load(FileVersion version, long id) {
    PageKey key = key(version, id);
    PageHandle handle = store.get(key);
    if (handle == null) {
      return null;
    }
    try {
      byte[] bytes = new byte[handle.length()];
      handle.slice().get(bytes);
      CRC32C crc = new CRC32C();
      crc.update(bytes);
      if ((int) crc.getValue() != handle.crc32c()) {
        store.reportCorrupt(key);
        return null;
      }
      return bytes;
    } finally {
      handle.release();
    }
  }

  @Override
  public void save(FileVersion version, long id, byte[] bytes) {
    saved.increment();
    store.put(key(version, id), ByteBuffer.wrap(bytes));
  }

  private static PageKey key(FileVersion version, long id) {
    return PageKey.derived(PageCache.versionKey(version), DerivedIds.of(DerivedIds.METADATA, id));
  }
}
