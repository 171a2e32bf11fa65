package io.needle.worker;

/**
 * What key indexing did since the worker started.
 *
 * @param built indexes built by this process (each read its file's key column once)
 * @param failed builds that ended without an index (unreadable or undecodable key column, store
 *     full or closing); the file is planned from statistics, and a later touch may try again
 * @param rowsIndexed keys in the indexes built
 * @param storedBytes page-store bytes of the indexes built (blocks and directories, payload only)
 * @param buildNanos time spent building, summed over builds
 * @param pending builds queued or running now
 */
public record KeyIndexStats(long built, long failed, long rowsIndexed, long storedBytes, long buildNanos, int pending) {
  static final KeyIndexStats NONE = new KeyIndexStats(0, 0, 0, 0, 0, 0);

  /** Stored bytes per indexed row; NaN before the first build. */
  public double bytesPerRow() {
    return rowsIndexed == 0 ? Double.NaN : (double) storedBytes / rowsIndexed;
  }
}
