package io.needle.bench.harness;

import java.util.Collection;
import org.HdrHistogram.Histogram;

/**
 * Latency histograms of the harness: nanoseconds, three significant digits, up to one hour.
 *
 * <p>Each caller thread records into its own histogram (HdrHistogram is not thread-safe); the
 * run merges them at the end with {@link #merge}, which is exact: counts per bucket add.
 */
public final class Histograms {
  /** The largest latency a histogram can hold: one hour, in nanoseconds. */
  public static final long HIGHEST_TRACKABLE_NANOS = 3_600_000_000_000L;
  /** Three significant digits: a value is stored within 0.1 % of itself. */
  public static final int SIGNIFICANT_DIGITS = 3;

  private Histograms() {}

  /** An empty histogram for latencies in nanoseconds. */
  public static Histogram newNanos() {
    return new Histogram(1, HIGHEST_TRACKABLE_NANOS, SIGNIFICANT_DIGITS);
  }

  /** A new histogram holding every value of {@code parts}. */
  public static Histogram merge(Collection<Histogram> parts) {
    Histogram total = newNanos();
    for (Histogram part : parts) {
      total.add(part);
    }
    return total;
  }

  /** Records {@code nanos}, clamped into the trackable range so one outlier never aborts a run. */
  public static void record(Histogram histogram, long nanos) {
    histogram.recordValue(Math.max(1, Math.min(nanos, HIGHEST_TRACKABLE_NANOS)));
  }
}
