package io.needle.client;

import java.time.Duration;

import static java.util.Objects.requireNonNull;

/**
 * Outlier ejection (after gRFC A50, with latency added): every {@code interval} the client
 * compares the workers' attempts of that interval, and a worker that is an outlier is taken out of
 * routing for {@code baseEjectionTime} times the number of times it has been ejected lately (the
 * count decays by one for each interval it spends in routing), at most {@code maxEjectionTime};
 * then it comes back by itself. A worker is an outlier, among those with at least
 * {@code minRequests} attempts in the interval, when {@code failurePercent}% or more of its
 * attempts failed, or when its mean latency is more than {@code latencyFactor} times the median of
 * the workers' means and at least {@code minLatencyExcess} above it. At most
 * {@code maxEjectionPercent}% of the workers are out at once (always at least one may be).
 */
public record OutlierEjection(
    Duration interval,
    Duration baseEjectionTime,
    Duration maxEjectionTime,
    int maxEjectionPercent,
    int minRequests,
    int failurePercent,
    double latencyFactor,
    Duration minLatencyExcess) {

  public OutlierEjection {
    positive(requireNonNull(interval, "interval is null"), "interval");
    positive(requireNonNull(baseEjectionTime, "baseEjectionTime is null"), "baseEjectionTime");
    positive(requireNonNull(maxEjectionTime, "maxEjectionTime is null"), "maxEjectionTime");
    requireNonNull(minLatencyExcess, "minLatencyExcess is null");
    if (maxEjectionPercent < 0 || maxEjectionPercent > 100 || minRequests < 1 || failurePercent < 1
        || failurePercent > 100 || !(latencyFactor > 1) || minLatencyExcess.isNegative()) {
      throw new IllegalArgumentException("bad outlier ejection settings: " + maxEjectionPercent + "%, " + minRequests
          + " requests, " + failurePercent + "% failures, latency factor " + latencyFactor + ", excess " + minLatencyExcess);
    }
  }

  /**
   * Interval 1 s, ejection 30 s growing to 5 min, at most 20% of the workers out, judged on 10
   * attempts: half of them failed, or a mean latency over 3 times the median and 20 ms above it.
   */
  public static OutlierEjection defaults() {
    return new OutlierEjection(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofMinutes(5), 20, 10, 50, 3,
        Duration.ofMillis(20));
  }

  /** The same with other ejection times (a test's short ones, say). */
  public OutlierEjection withEjectionTimes(Duration base, Duration max) {
    return new OutlierEjection(interval, base, max, maxEjectionPercent, minRequests, failurePercent, latencyFactor,
        minLatencyExcess);
  }

  private static void positive(Duration d, String name) {
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive: " + d);
    }
  }
}
