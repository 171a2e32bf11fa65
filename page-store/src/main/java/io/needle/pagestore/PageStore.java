package io.needle.pagestore;

import io.needle.pagestore.hooks.ReadStall;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A bounded cache of Parquet pages on local disk, keyed by file version and page offset, and of
 * derived records of a file version (see {@link PageKey#derived}), which the store treats as
 * pages except that they bypass frequency admission.
 *
 * <p>Expected outcomes are values: {@link #get} returns null on a miss, {@link #put} returns false
 * when the page was not stored (not admitted, no space, I/O error). Neither throws for those. Gets
 * never wait for a writer; all methods are safe to call from any thread.
 *
 * <p>The only implementation is the region log ({@link #open}): see {@code RegionPageStore}.
 */
public interface PageStore extends AutoCloseable {

  /**
   * Opens (or creates) the store in {@code config.directory()}, reusing the pages a previous
   * store left there when they verify, and starting cold otherwise.
   *
   * @throws PageStoreLockedException when another store has the directory open
   * @throws IOException when the directory or region file cannot be created at all
   */
  static PageStore open(PageStoreConfig config) throws IOException {
    return RegionPageStore.open(config, IoFaults.NONE);
  }

  /**
   * As {@link #open(PageStoreConfig)}, with a slow disk injected by a test: every read of a hit
   * first waits out {@code stall}'s delay (RELIABILITY.md T05). Never called by production code.
   */
  static PageStore open(PageStoreConfig config, ReadStall stall) throws IOException {
    java.util.Objects.requireNonNull(stall, "stall is null");
    return RegionPageStore.open(config, IoFaults.stalling(stall));
  }

  /** The page, pinned until the handle is released; null on a miss. */
  PageHandle get(PageKey key);

  /**
   * Stores a copy of {@code page}'s remaining bytes under {@code key} (the buffer's position is
   * not moved). Returns true when the page is in the store afterwards (also when it already was).
   */
  boolean put(PageKey key, ByteBuffer page);

  /** Drops the page (also from the region file, so it does not come back after a restart). */
  void invalidate(PageKey key);

  /** Drops every page of one file version (the hash from {@link PageKey#hashVersion}). */
  void invalidateFile(long versionHash);

  /**
   * The receiver found this page's bytes did not match its CRC32C: drops the page and counts it
   * as corrupt. The caller then refetches it from the source.
   */
  void reportCorrupt(PageKey key);

  PageStoreStats stats();

  /** Seals the open region, syncs and releases the directory. Outstanding handles become invalid. */
  @Override
  void close();
}
