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
 * @param coalesceGapBytes missing pages of one lookup closer than this are fetched by one ranged GET
 * @param prefetchMetadata load every file's footer and indexes when a table is first listed
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
    boolean prefetchMetadata) {

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
  }

  /**
   * Defaults: default credentials chain, virtual-host addressing, 2 s connect, 5 s per attempt,
   * 15 s per call, 64 concurrent requests, 3 retries, 1 MiB coalescing gap, metadata prefetch on.
   */
  public static S3Config defaults(List<URI> roots, String region) {
    return new S3Config(roots, null, region, false, null, null, Duration.ofSeconds(2), Duration.ofSeconds(5),
        Duration.ofSeconds(15), 64, 3, 1 << 20, true);
  }

  public S3Config withEndpoint(URI newEndpoint, boolean newPathStyle) {
    return new S3Config(roots, newEndpoint, region, newPathStyle, staticAccessKeyId, staticSecretAccessKey,
        connectTimeout, attemptTimeout, callTimeout, maxConcurrency, maxRetries, coalesceGapBytes, prefetchMetadata);
  }

  public S3Config withStaticCredentials(String accessKeyId, String secretAccessKey) {
    return new S3Config(roots, endpoint, region, pathStyle, accessKeyId, secretAccessKey,
        connectTimeout, attemptTimeout, callTimeout, maxConcurrency, maxRetries, coalesceGapBytes, prefetchMetadata);
  }

  public S3Config withTimeouts(Duration connect, Duration attempt, Duration call, int retries) {
    return new S3Config(roots, endpoint, region, pathStyle, staticAccessKeyId, staticSecretAccessKey,
        connect, attempt, call, maxConcurrency, retries, coalesceGapBytes, prefetchMetadata);
  }

  public S3Config withPrefetchMetadata(boolean prefetch) {
    return new S3Config(roots, endpoint, region, pathStyle, staticAccessKeyId, staticSecretAccessKey,
        connectTimeout, attemptTimeout, callTimeout, maxConcurrency, maxRetries, coalesceGapBytes, prefetch);
  }

  @Override
  public String toString() { // never print the secret
    return "S3Config[roots=" + roots + ", endpoint=" + endpoint + ", region=" + region + ", pathStyle=" + pathStyle
        + ", staticCredentials=" + (staticAccessKeyId != null) + ", connectTimeout=" + connectTimeout
        + ", attemptTimeout=" + attemptTimeout + ", callTimeout=" + callTimeout + ", maxConcurrency="
        + maxConcurrency + ", maxRetries=" + maxRetries + ", coalesceGapBytes=" + coalesceGapBytes
        + ", prefetchMetadata=" + prefetchMetadata + "]";
  }

  private static void positive(String name, Duration d) {
    requireNonNull(d, name + " is null");
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive: " + d);
    }
  }
}
