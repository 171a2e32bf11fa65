package io.needle.worker;

import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.concurrent.Executor;

/**
 * The cache policy of table listings (local and S3), so that a worker sees a table's changes
 * within its manifest TTL, busy or idle.
 *
 * <p>A listing is refreshed in the background once it is half the TTL old, while it keeps
 * answering, so a busy table never waits for a listing; one older than the TTL is not served at
 * all, so the first lookup of a table idle for longer waits for a new listing. Refresh-after-write
 * alone served a listing of any age to the first request after a quiet spell (and listed only
 * then, in the background): a file rewritten an hour ago answered with its old rows once, a
 * staleness no TTL bounds (seen in KeyIndexLookupTest under load).
 */
final class ManifestCaches {
  private ManifestCaches() {
  }

  static Caffeine<Object, Object> builder(Executor loader, Duration ttl) {
    Caffeine<Object, Object> builder = Caffeine.newBuilder().executor(loader).maximumSize(10_000).expireAfterWrite(ttl);
    Duration half = ttl.dividedBy(2);
    if (!half.isZero()) {
      builder.refreshAfterWrite(half);
    }
    return builder;
  }
}
