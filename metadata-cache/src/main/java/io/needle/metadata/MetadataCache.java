package io.needle.metadata;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Parsed Parquet metadata of many file versions, bounded by bytes, and the lookup planner.
 * Stub: implementation pending.
 */
public final class MetadataCache {
  public MetadataCache(MetadataCacheConfig config, Executor loader) {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /**
   * Plans the lookup of {@code spec} in one file. Completes at once when the file's metadata is
   * cached; otherwise loads it on the loader executor (one load per version however many callers
   * wait). Fails with {@link ParquetException} for bad files and bad lookups, and with
   * {@link java.io.IOException} when the source cannot be read.
   */
  public CompletableFuture<FilePlan> plan(FileSource source, LookupSpec spec) {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /** Describes one file; {@code keyColumn} may be null. */
  public CompletableFuture<FileSummary> describe(FileSource source, String keyColumn) {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /** Drops everything cached for {@code version}. */
  public void invalidate(FileVersion version) {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /** Estimated heap bytes held, for metrics. */
  public long weightedBytes() {
    throw new UnsupportedOperationException("not yet implemented");
  }
}
