package io.needle.worker;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

import static java.util.Objects.requireNonNull;

/**
 * How a worker reaches S3 (or any S3-compatible store) and which {@code s3://bucket/prefix}
 * roots it may serve tables from. Validated once here.
 *
 * <p>Credentials come from the SDK's default chain (environment, system properties, profile,
 * web identity for Kubernetes service accounts, instance metadata) unless a static pair is
 * given, which is meant for tests and embedded stores. The SDK sets no timeouts by default;
 * every one is explicit here.
 *
 * @param roots {@code s3://bucket/prefix} URIs; a table must lie under one of them
 * @param endpoint endpoint override (S3-compatible stores, tests), or null for AWS
 * @param region signing region, e.g. {@code us-east-1}
 * @param pathStyle path-style addressing ({@code host/bucket/key}), needed by most non-AWS stores
 * @param staticAccessKeyId access key for a static credential pair, or null for the default chain
 * @param staticSecretAccessKey secret of the static pair, or null
 * @param connectTimeout TCP connection timeout
 * @param attemptTimeout bound on one HTTP attempt
 * @param callTimeout bound on one call including its retries
 * @param maxConcurrency concurrent HTTP requests to S3, at most
 * @param maxRetries retries of retryable failures (throttling, 5xx, I/O) with backoff, within callTimeout
 *     and the request's deadline
 * @param coalesceGapBytes missing pages of one lookup closer than this are fetched by one ranged GET
 * @param prefetchMetadata load every file's footer and indexes when a table is first listed
 * @param retryQuota whether the SDK's retry quota (its token bucket: 5 tokens per retry, 10 per
 *     timeout retry, out of 500, refilled only by successes) may refuse retries; off by default,
 *     because with 30% throttling it ran dry and turned throttled reads into failed lookups (T10),
 *     while every retry here is already bounded by {@code maxRetries}, backoff and the deadline
 * @param throttleBackoffBase backoff before the first retry of a throttled request (503 SlowDown),
 *     doubling per retry with full jitter
 * @param throttleBackoffMax largest backoff of a throttled request
 */
public record S3Config(
    List<URI> roots,
    URI endpoint,
    String region,
    boolean pathStyle,
    String staticAccessKeyId,
    String staticSecretAccessKey,
    Duration connectTimeout,
    Duration attemptTimeout,
    Duration callTimeout,
    int maxConcurrency,
    int maxRetries,
    int coalesceGapBytes,
    boolean prefetchMetadata,
    boolean retryQuota,
    Duration throttleBackoffBase,
    Duration throttleBackoffMax) {

  /** Retries by default: five attempts in all, enough to ride out a throttling burst with backoff. */
  public static final int DEFAULT_MAX_RETRIES = 4;
  public static final Duration DEFAULT_THROTTLE_BACKOFF_BASE = Duration.ofMillis(100);
  public static final Duration DEFAULT_THROTTLE_BACKOFF_MAX = Duration.ofSeconds(2);

  public S3Config {
    roots = List.copyOf(roots);
    if (roots.isEmpty()) {
      throw new IllegalArgumentException("at least one s3:// root is required");
    }
    for (URI root : roots) {
      S3Location.parseRoot(root.toString()); // throws with the bad root in the message
    }
    requireNonNull(region, "region is null");
    if (region.isBlank()) {
      throw new IllegalArgumentException("region is blank");
    }
    if (endpoint != null && (endpoint.getScheme() == null
        || !List.of("http", "https").contains(endpoint.getScheme().toLowerCase(Locale.ROOT)))) {
      throw new IllegalArgumentException("endpoint must be an http(s) URL: " + endpoint);
    }
    if ((staticAccessKeyId == null) != (staticSecretAccessKey == null)) {
      throw new IllegalArgumentException("give both static credentials or neither");
    }
    positive("connectTimeout", connectTimeout);
    positive("attemptTimeout", attemptTimeout);
    positive("callTimeout", callTimeout);
    if (maxConcurrency <= 0) {
      throw new IllegalArgumentException("maxConcurrency must be positive: " + maxConcurrency);
    }
    if (maxRetries < 0) {
      throw new IllegalArgumentException("maxRetries must not be negative: " + maxRetries);
    }
    if (coalesceGapBytes < 0) {
      throw new IllegalArgumentException("coalesceGapBytes must not be negative: " + coalesceGapBytes);
    }
    positive("throttleBackoffBase", throttleBackoffBase);
    positive("throttleBackoffMax", throttleBackoffMax);
    if (throttleBackoffMax.compareTo(throttleBackoffBase) < 0) {
      throw new IllegalArgumentException(
          "throttleBackoffMax " + throttleBackoffMax + " is below throttleBackoffBase " + throttleBackoffBase);
    }
  }

  /** Without the retry settings: no retry quota, throttled retries backing off from 100 ms up to 2 s. */
  public S3Config(List<URI> roots, URI endpoint, String region, boolean pathStyle, String staticAccessKeyId,
      String staticSecretAccessKey, Duration connectTimeout, Duration attemptTimeout, Duration callTimeout,
      int maxConcurrency, int maxRetries, int coalesceGapBytes, boolean prefetchMetadata) {
    this(roots, endpoint, region, pathStyle, staticAccessKeyId, staticSecretAccessKey, connectTimeout, attemptTimeout,
        callTimeout, maxConcurrency, maxRetries, coalesceGapBytes, prefetchMetadata, false,
        DEFAULT_THROTTLE_BACKOFF_BASE, DEFAULT_THROTTLE_BACKOFF_MAX);
  }

  /**
   * Defaults: default credentials chain, virtual-host addressing, 2 s connect, 5 s per attempt,
   * 15 s per call, 64 concurrent requests, 4 retries (no retry quota; throttled ones backing off
   * from 100 ms up to 2 s), 1 MiB coalescing gap, metadata prefetch on.
   */
  public static S3Config defaults(List<URI> roots, String region) {
    return new S3Config(roots, null, region, false, null, null, Duration.ofSeconds(2), Duration.ofSeconds(5),
        Duration.ofSeconds(15), 64, DEFAULT_MAX_RETRIES, 1 << 20, true);
  }

  public S3Config withEndpoint(URI newEndpoint, boolean newPathStyle) {
    return new S3Config(roots, newEndpoint, region, newPathStyle, staticAccessKeyId, staticSecretAccessKey,
        connectTimeout, attemptTimeout, callTimeout, maxConcurrency, maxRetries, coalesceGapBytes, prefetchMetadata,
        retryQuota, throttleBackoffBase, throttleBackoffMax);
  }

  public S3Config withStaticCredentials(String accessKeyId, String secretAccessKey) {
    return new S3Config(roots, endpoint, region, pathStyle, accessKeyId, secretAccessKey,
        connectTimeout, attemptTimeout, callTimeout, maxConcurrency, maxRetries, coalesceGapBytes, prefetchMetadata,
        retryQuota, throttleBackoffBase, throttleBackoffMax);
  }

  public S3Config withTimeouts(Duration connect, Duration attempt, Duration call, int retries) {
    return new S3Config(roots, endpoint, region, pathStyle, staticAccessKeyId, staticSecretAccessKey,
        connect, attempt, call, maxConcurrency, retries, coalesceGapBytes, prefetchMetadata,
        retryQuota, throttleBackoffBase, throttleBackoffMax);
  }

  public S3Config withPrefetchMetadata(boolean prefetch) {
    return new S3Config(roots, endpoint, region, pathStyle, staticAccessKeyId, staticSecretAccessKey,
        connectTimeout, attemptTimeout, callTimeout, maxConcurrency, maxRetries, coalesceGapBytes, prefetch,
        retryQuota, throttleBackoffBase, throttleBackoffMax);
  }

  /**
   * The SDK's retry settings: whether its retry quota applies, and the backoff of throttled
   * retries (from {@code base}, doubling, at most {@code max}).
   */
  public S3Config withRetryPolicy(boolean quota, Duration base, Duration max) {
    return new S3Config(roots, endpoint, region, pathStyle, staticAccessKeyId, staticSecretAccessKey,
        connectTimeout, attemptTimeout, callTimeout, maxConcurrency, maxRetries, coalesceGapBytes, prefetchMetadata,
        quota, base, max);
  }

  @Override
  public String toString() { // never print the secret
    return "S3Config[roots=" + roots + ", endpoint=" + endpoint + ", region=" + region + ", pathStyle=" + pathStyle
        + ", staticCredentials=" + (staticAccessKeyId != null) + ", connectTimeout=" + connectTimeout
        + ", attemptTimeout=" + attemptTimeout + ", callTimeout=" + callTimeout + ", maxConcurrency="
        + maxConcurrency + ", maxRetries=" + maxRetries + ", coalesceGapBytes=" + coalesceGapBytes
        + ", prefetchMetadata=" + prefetchMetadata + ", retryQuota=" + retryQuota + ", throttleBackoffBase="
        + throttleBackoffBase + ", throttleBackoffMax=" + throttleBackoffMax + "]";
  }

  private static void positive(String name, Duration d) {
    requireNonNull(d, name + " is null");
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive: " + d);
    }
  }
}
