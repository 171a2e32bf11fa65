package io.needle.metadata;

/**
 * A snapshot of the {@link MetadataCache}'s counters (since start) and size (now).
 *
 * @param hits lookups of a file version whose metadata was cached
 * @param misses lookups that had to load it
 * @param loads loads that succeeded
 * @param loadFailures loads that failed (unreadable or corrupt files)
 * @param evictions entries dropped to stay under the capacity
 * @param entries file versions held
 * @param weightedBytes estimated heap bytes held
 */
public record MetadataCacheStats(long hits, long misses, long loads, long loadFailures, long evictions, long entries,
    long weightedBytes) {}
