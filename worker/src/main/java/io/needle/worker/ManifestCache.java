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
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Table listings (local directories and S3 prefixes) under one freshness rule: a worker sees a
 * table's changes within its manifest TTL, busy or idle, and keeps answering from the listing it
 * has while the table's source fails.
 *
 * <ul>
 *   <li>From half the TTL on, a request starts a listing in the background and is answered from
 *       the listing at hand (Caffeine's refresh-after-write), so a busy table never waits for one.
 *   <li>A table asked for in the last {@link #REFRESH_AHEAD_IDLE} is also listed ahead of its
 *       requests ({@link #refreshAhead}, every quarter TTL), so one asked for less often than the
 *       TTL does not wait for a listing at each request (an S3 LIST is tens of milliseconds). Not
 *       below a TTL of {@link #MIN_REFRESH_AHEAD_TTL}: that would list without pause.
 *   <li>A listing older than the TTL is not answered from: the request waits for a new one.
 *       Refresh-after-write alone answered the first request after a quiet spell from the old
 *       listing, however old, and listed only behind it: a file rewritten an hour before answered
 *       once with its old rows (KeyIndexLookupTest, under load).
 *   <li>When that listing fails (S3 unreachable, a directory gone), the request is answered from
 *       the old listing, and so is every request while the failure is recent (one TTL), without
 *       waiting for a listing that is likely to fail too: a warm table keeps answering from its
 *       stored pages through an outage of its source.
 * </ul>
 *
 * @param <K> what names a table to the storage (a real path, an S3 location)
 */
final class ManifestCache<K> implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ManifestCache.class);
  /** How long after its last request a table is still listed ahead of requests. */
  static final Duration REFRESH_AHEAD_IDLE = Duration.ofMinutes(10);
  static final Duration MIN_REFRESH_AHEAD_TTL = Duration.ofSeconds(1);
  /** Failures remembered beyond this are forgotten: a bound, not a policy (one per listed table). */
  private static final int MAX_REMEMBERED_FAILURES = 10_000;

  private final AsyncLoadingCache<K, TableListing> cache;
  private final Policy.FixedRefresh<K, TableListing> refresh; // null when the TTL is zero
  private final Policy.FixedExpiration<K, TableListing> access; // the age since a table's last request
  private final long ttlNanos;
  private final LongSupplier clock;
  private final Map<K, Long> failedAt = new ConcurrentHashMap<>();
  private final ScheduledExecutorService ahead; // null when nothing lists ahead on its own

  /**
   * Listings on {@code loader}, listed ahead of requests on a daemon thread named
   * {@code threadName} when the TTL is at least {@link #MIN_REFRESH_AHEAD_TTL}.
   */
  static <K> ManifestCache<K> start(Executor loader, Duration ttl, CacheLoader<K, TableListing> list, String threadName) {
    ScheduledExecutorService ahead = ttl.compareTo(MIN_REFRESH_AHEAD_TTL) < 0 ? null
        : Executors.newSingleThreadScheduledExecutor(r -> {
          Thread t = new Thread(r, threadName);
          t.setDaemon(true);
          return t;
        });
    ManifestCache<K> cache = new ManifestCache<>(loader, ttl, list, System::nanoTime, ahead);
    if (ahead != null) {
      long period = ttl.dividedBy(4).toNanos();
      ahead.scheduleWithFixedDelay(cache::refreshAhead, period, period, TimeUnit.NANOSECONDS);
    }
    return cache;
  }

  /** Lists only when asked, and ahead only when {@link #refreshAhead} is called: for tests on their own clock. */
  ManifestCache(Executor loader, Duration ttl, CacheLoader<K, TableListing> list, LongSupplier clock) {
    this(loader, ttl, list, clock, null);
  }

  private ManifestCache(Executor loader, Duration ttl, CacheLoader<K, TableListing> list, LongSupplier clock,
      ScheduledExecutorService ahead) {
    // Expiry after access is configured for its clock (the age since a table's last request), not
    // to expire anything: a table idle for months keeps its listing for an outage of its source.
    Caffeine<Object, Object> builder = Caffeine.newBuilder().executor(loader).maximumSize(10_000)
        .ticker(clock::getAsLong).expireAfterAccess(Duration.ofDays(36_500));
    Duration half = ttl.dividedBy(2);
    if (half.isZero()) {
      builder.expireAfterWrite(Duration.ZERO); // a TTL of zero (or a nanosecond): list for every request
    } else {
      builder.refreshAfterWrite(half);
    }
    this.cache = builder.buildAsync(list);
    Policy<K, TableListing> policy = cache.synchronous().policy();
    this.refresh = half.isZero() ? null : policy.refreshAfterWrite().orElseThrow();
    this.access = policy.expireAfterAccess().orElseThrow();
    this.ttlNanos = ttl.toNanos();
    this.clock = clock;
    this.ahead = ahead;
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
      return cached; // the source failed lately: answer from what we have; a background listing is under way
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

  /**
   * Lists in the background every table asked for within {@link #REFRESH_AHEAD_IDLE} whose
   * listing is half the TTL old (one listing at a time per table: Caffeine joins a refresh under
   * way). Reads the ages quietly: this is not a request.
   */
  void refreshAhead() {
    if (refresh == null) {
      return;
    }
    long idle = REFRESH_AHEAD_IDLE.toNanos();
    for (K table : cache.synchronous().asMap().keySet()) {
      long sinceRequest = access.ageOf(table, TimeUnit.NANOSECONDS).orElse(Long.MAX_VALUE);
      long sinceListed = refresh.ageOf(table, TimeUnit.NANOSECONDS).orElse(0);
      if (sinceRequest <= idle && sinceListed >= ttlNanos / 2) {
        try {
          cache.synchronous().refresh(table);
        } catch (RuntimeException e) { // the loader refused (shutting down, full): the next round tries again
          log.debug("could not list ahead: {}", e.toString());
        }
      }
    }
  }

  @Override
  public void close() {
    if (ahead != null) {
      ahead.shutdownNow();
    }
  }
}
