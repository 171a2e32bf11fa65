package io.needle.bench.harness;

import static java.util.Objects.requireNonNull;

import org.HdrHistogram.Histogram;

/**
 * The summary of one system's run on one workload: latency percentiles in microseconds and the
 * achieved throughput. Built from an HdrHistogram whose values are nanoseconds.
 *
 * @param lookups calls recorded (a batch of 100 keys is one call)
 * @param p50Micros median latency
 * @param p90Micros 90th percentile
 * @param p99Micros 99th percentile
 * @param p999Micros 99.9th percentile
 * @param maxMicros largest recorded latency
 * @param throughputPerSecond calls completed per second of wall-clock time
 */
public record LatencyStats(
    long lookups,
    double p50Micros,
    double p90Micros,
    double p99Micros,
    double p999Micros,
    double maxMicros,
    double throughputPerSecond) {

  /** Summarizes {@code latencyNanos}, recorded over {@code elapsedNanos} of wall-clock time. */
  public static LatencyStats of(Histogram latencyNanos, long elapsedNanos) {
    requireNonNull(latencyNanos, "latencyNanos is null");
    if (elapsedNanos <= 0) {
      throw new IllegalArgumentException("elapsedNanos must be > 0: " + elapsedNanos);
    }
    long n = latencyNanos.getTotalCount();
    return new LatencyStats(
        n,
        micros(latencyNanos.getValueAtPercentile(50)),
        micros(latencyNanos.getValueAtPercentile(90)),
        micros(latencyNanos.getValueAtPercentile(99)),
        micros(latencyNanos.getValueAtPercentile(99.9)),
        micros(latencyNanos.getMaxValue()),
        n * 1e9 / elapsedNanos);
  }

  private static double micros(long nanos) {
    return nanos / 1000.0;
  }
}
