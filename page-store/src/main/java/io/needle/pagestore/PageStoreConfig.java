package io.needle.pagestore;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;

/**
 * Configuration of a {@link PageStore}, validated once here.
 *
 * @param directory where the store keeps its files (created when absent); one store per directory
 * @param capacityBytes hard bound on the bytes of the region file; rounded down to whole regions
 * @param regionBytes size of one region, the unit of allocation and eviction; a multiple of 4 KiB
 *     between 64 KiB and 1 GiB
 * @param evictionPolicy which sealed region gives way first
 * @param admission when true, a page is admitted to a full store only if its key was asked for at
 *     least twice recently (a TinyLFU-style frequency sketch), so one pass over cold keys does not
 *     flush the hot set
 * @param expectedPageBytes typical page size; sizes the off-heap index (one slot per expected page
 *     at 70% load); when the index is full, regions are evicted as if the disk were full
 * @param identity who fills this cache (e.g. a hash of the origin configuration); a directory left
 *     by a different identity is started cold, never reused
 * @param syncOnSeal fsync the region file before a region is marked sealed, so that a power loss
 *     can only tear the region that was open (restart verifies open regions page by page)
 * @param verifyOnRead check each page's CRC32C on every hit (costs a read of the page; the
 *     end-to-end check at the client makes it unnecessary on the normal path)
 */
public record PageStoreConfig(
    Path directory,
    long capacityBytes,
    int regionBytes,
    EvictionPolicy evictionPolicy,
    boolean admission,
    int expectedPageBytes,
    String identity,
    boolean syncOnSeal,
    boolean verifyOnRead) {

  public static final int MIN_REGION_BYTES = 64 * 1024;
  public static final int MAX_REGION_BYTES = 1 << 30;
  /** Limit of the index's region field (20 bits). */
  public static final int MAX_REGIONS = 1 << 20;
  public static final int DEFAULT_REGION_BYTES = 16 * 1024 * 1024;
  public static final int DEFAULT_EXPECTED_PAGE_BYTES = 8 * 1024;

  public PageStoreConfig {
    requireNonNull(directory, "directory is null");
    requireNonNull(evictionPolicy, "evictionPolicy is null");
    requireNonNull(identity, "identity is null");
    if (regionBytes < MIN_REGION_BYTES || regionBytes > MAX_REGION_BYTES || regionBytes % 4096 != 0) {
      throw new IllegalArgumentException(
          "regionBytes must be a multiple of 4096 in [" + MIN_REGION_BYTES + ", " + MAX_REGION_BYTES + "]: " + regionBytes);
    }
    if (capacityBytes / regionBytes < 2) {
      throw new IllegalArgumentException(
          "capacityBytes must hold at least 2 regions of " + regionBytes + " bytes: " + capacityBytes);
    }
    if (capacityBytes / regionBytes > MAX_REGIONS) {
      throw new IllegalArgumentException(
          "capacityBytes / regionBytes exceeds " + MAX_REGIONS + " regions: " + capacityBytes + " / " + regionBytes);
    }
    if (expectedPageBytes < 64 || expectedPageBytes > regionBytes) {
      throw new IllegalArgumentException(
          "expectedPageBytes must be in [64, regionBytes=" + regionBytes + "]: " + expectedPageBytes);
    }
    if (identity.length() > 1024) {
      throw new IllegalArgumentException("identity longer than 1024 chars: " + identity.length());
    }
  }

  /** Defaults: 16 MiB regions, LRU, admission on, 8 KiB pages, sync on seal, no read verification. */
  public static PageStoreConfig of(Path directory, long capacityBytes) {
    return new PageStoreConfig(directory, capacityBytes, DEFAULT_REGION_BYTES, EvictionPolicy.LRU, true,
        DEFAULT_EXPECTED_PAGE_BYTES, "", true, false);
  }

  /** Number of regions the capacity holds. */
  public int regionCount() {
    return (int) (capacityBytes / regionBytes);
  }
}
