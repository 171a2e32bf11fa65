package io.needle.bench.harness;

/**
 * How many times faster Needle is than a baseline, from two runs in the same process.
 *
 * <p>A ratio above 1 means Needle is faster: {@code baseline / needle} for latencies and
 * {@code needle / baseline} for throughput. A zero or missing denominator gives NaN, printed as
 * "n/a", never infinity: a baseline that recorded nothing proves nothing.
 */
public final class Ratios {
  private Ratios() {}

  /** {@code baselineMicros / needleMicros}: how many times lower Needle's latency is. */
  public static double latencySpeedup(double needleMicros, double baselineMicros) {
    if (!(needleMicros > 0) || !(baselineMicros > 0)) {
      return Double.NaN;
    }
    return baselineMicros / needleMicros;
  }

  /** {@code needle / baseline}: how many times more calls per second Needle completes. */
  public static double throughputGain(double needlePerSecond, double baselinePerSecond) {
    return latencySpeedup(baselinePerSecond, needlePerSecond);
  }

  /** The ratio as text: {@code 1234x}, {@code 3.4x}, {@code 0.52x} or {@code n/a}. */
  public static String format(double ratio) {
    if (Double.isNaN(ratio)) {
      return "n/a";
    }
    if (ratio >= 100) {
      return String.format("%,.0fx", ratio);
    }
    if (ratio >= 10) {
      return String.format("%.1fx", ratio);
    }
    return String.format("%.2fx", ratio);
  }

  /**
   * The ratio in words, always as a factor of at least 1: {@code 4.8x faster} for 4.8 and
   * {@code 13.0x slower} for 0.077, never {@code 0.08x faster}.
   *
   * @param better the word when Needle is ahead ("faster", "more")
   * @param worse the word when the baseline is ahead ("slower", "less")
   */
  public static String inWords(double ratio, String better, String worse) {
    if (Double.isNaN(ratio)) {
      return "n/a";
    }
    return ratio >= 1 ? format(ratio) + " " + better : format(1 / ratio) + " " + worse;
  }
}
