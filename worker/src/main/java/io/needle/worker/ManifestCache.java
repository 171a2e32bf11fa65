package io.needle.worker;

import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.CacheLoader;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Policy;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Table listings (local directories and S3 prefixes) under one freshness rule: a worker sees a
 * table's changes within its manifest TTL, busy or idle, and keeps answering from the listing it
 * has while the table's source fails.
 *
 * <ul>
 *   <li>From half the TTL on, a request starts a listing in the background and is answered from
 *       the listing at hand (Caffeine's refresh-after-write), so a busy table never waits for one.
 *   <li>A listing older than the TTL (nobody asked for that long) is not answered from: the
 *       request waits for a new one. Refresh-after-write alone answered the first request after a
 *       quiet spell from the old listing, however old, and listed only behind it: a file rewritten
 *       an hour before answered once with its old rows (KeyIndexLookupTest, under load).
 *   <li>When that listing fails (S3 unreachable, a directory gone), the request is answered from
 *       the old listing, and so is every request while the failure is recent (one TTL), without
 *       waiting for a listing that is likely to fail too: a warm table keeps answering from its
 *       stored pages through an outage of its source, as before.
 * </ul>
 *
 * @param <K> what names a table to the storage (a real path, an S3 location)
 */
final class ManifestCache<K> {
  /** Failures remembered beyond this are forgotten: a bound, not a policy (one per listed table). */
  private static final int MAX_REMEMBERED_FAILURES = 10_000;

  private final AsyncLoadingCache<K, TableListing> cache;
  private final Policy.FixedRefresh<K, TableListing> refresh; // null when the TTL is zero
  private final long ttlNanos;
  private final LongSupplier clock;
  private final Map<K, Long> failedAt = new ConcurrentHashMap<>();

  ManifestCache(Executor loader, Duration ttl, CacheLoader<K, TableListing> list) {
    this(loader, ttl, list, System::nanoTime);
  }

  ManifestCache(Executor loader, Duration ttl, CacheLoader<K, TableListing> list, LongSupplier clock) {
    Caffeine<Object, Object> builder = Caffeine.newBuilder().executor(loader).maximumSize(10_000)
        .ticker(clock::getAsLong);
    Duration half = ttl.dividedBy(2);
    if (half.isZero()) {
      builder.expireAfterWrite(Duration.ZERO); // a TTL of zero (or a nanosecond): list for every request
    } else {
      builder.refreshAfterWrite(half);
    }
    this.cache = builder.buildAsync(list);
    this.refresh = half.isZero() ? null : cache.synchronous().policy().refreshAfterWrite().orElseThrow();
    this.ttlNanos = ttl.toNanos();
    this.clock = clock;
  }

  /** The table's listing, never older than the TTL unless listing it again fails. */
  CompletableFuture<TableListing> get(K table) {
    CompletableFuture<TableListing> cached = cache.get(table);
    if (refresh == null || !cached.isDone() || cached.isCompletedExceptionally()) {
      return cached;
    }
    long age = refresh.ageOf(table, TimeUnit.NANOSECONDS).orElse(0);
    if (age <= ttlNanos) {
      return cached;
    }
    TableListing old = cached.join();
    Long failed = failedAt.get(table);
    if (failed != null && clock.getAsLong() - failed <= ttlNanos) {
      return cached; // the source failed lately: answer from what we have, a background listing is under way
    }
    return cache.synchronous().refresh(table).handle((fresh, error) -> {
      if (error == null && fresh != null) {
        failedAt.remove(table);
        return fresh;
      }
      if (failedAt.size() >= MAX_REMEMBERED_FAILURES) {
        failedAt.clear();
      }
      failedAt.put(table, clock.getAsLong());
      return old;
    });
  }

  /** Caches a listing made outside the cache (a relist). */
  void put(K table, TableListing listing) {
    failedAt.remove(table);
    cache.put(table, CompletableFuture.completedFuture(listing));
  }

  void invalidate(K table) {
    cache.synchronous().invalidate(table);
  }
}
