package io.needle.client;

import java.util.Arrays;

/**
 * The recent latencies of successful attempts, for hedging "after the observed p95".
 *
 * <p>A ring of the last {@code SIZE} samples; the quantile is recomputed (a sort of 1024 longs,
 * a few microseconds) every {@code SIZE/8} samples rather than per call, and read lock-free.
 * Until the ring has filled once there is no estimate (-1): hedging on a handful of cold-cache
 * samples would hedge everything.
 */
final class LatencyWindow {
  private static final int SIZE = 1024;
  private final double quantile;
  private final long[] ring = new long[SIZE];
  private long count;
  private volatile long estimateNanos = -1;

  LatencyWindow(double quantile) {
    if (!(quantile > 0 && quantile < 1)) {
      throw new IllegalArgumentException("quantile must be in (0, 1): " + quantile);
    }
    this.quantile = quantile;
  }

  synchronized void record(long nanos) {
    ring[(int) (count % SIZE)] = nanos;
    count++;
    if (count >= SIZE && count % (SIZE / 8) == 0) {
      long[] copy = ring.clone();
      Arrays.sort(copy);
      estimateNanos = copy[(int) Math.min(SIZE - 1, Math.ceil(quantile * SIZE) - 1)];
    }
  }

  /** The quantile of the last {@value #SIZE} samples, or -1 before that many were seen. */
  long estimateNanos() {
    return estimateNanos;
  }
}
