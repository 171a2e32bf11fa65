package io.needle.pagestore;

/**
 * A snapshot of a store's counters (cumulative since open, except the gauges at the end).
 *
 * @param hits gets that returned a page
 * @param misses gets that returned null (absent, evicted, stale or failed verification)
 * @param hitBytes page bytes handed out on hits
 * @param puts pages written
 * @param putBytes page bytes written (payload only)
 * @param admissionRejections puts refused by the admission sketch
 * @param noSpaceRejections puts refused because no region could be freed (all pinned, disk full,
 *     page larger than a region)
 * @param writeFailures puts that failed on an I/O error (the store stays usable)
 * @param readFailures hits turned into misses by an I/O error reading the record header
 * @param corruptPages pages found corrupt: bad record header or payload CRC on read (with
 *     verification on), bad records at restart, and pages reported by {@link PageStore#reportCorrupt}
 * @param evictedRegions regions evicted
 * @param evictedPages pages dropped with those regions
 * @param recoveredPages pages indexed from region files at open
 * @param tornRecordsDropped records dropped at open because their header or payload did not verify
 *     in a region that was not sealed (a write cut by a crash)
 * @param fillNanosTotal time spent in accepted puts (CRC, write, index), for the mean fill latency
 * @param fillNanosMax slowest accepted put
 * @param cachedPages pages in the index now
 * @param cachedBytes bytes of the regions in use (open and sealed) now
 * @param capacityBytes bytes of the region file
 * @param degraded true once the store stopped admitting pages for good (cache directory gone);
 *     gets keep working from the open file
 */
public record PageStoreStats(
    long hits,
    long misses,
    long hitBytes,
    long puts,
    long putBytes,
    long admissionRejections,
    long noSpaceRejections,
    long writeFailures,
    long readFailures,
    long corruptPages,
    long evictedRegions,
    long evictedPages,
    long recoveredPages,
    long tornRecordsDropped,
    long fillNanosTotal,
    long fillNanosMax,
    long cachedPages,
    long cachedBytes,
    long capacityBytes,
    boolean degraded) {

  /** Hits over gets, 0 before the first get. */
  public double hitRatio() {
    long gets = hits + misses;
    return gets == 0 ? 0 : (double) hits / gets;
  }
}
