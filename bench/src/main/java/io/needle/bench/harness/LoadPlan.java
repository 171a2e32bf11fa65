package io.needle.bench.harness;

import java.time.Duration;

/**
 * How one measured run drives a target, validated once here.
 *
 * @param callers concurrent caller threads
 * @param maxCalls stop after this many calls in all (or earlier at {@code maxDuration})
 * @param maxDuration stop after this much wall-clock time (or earlier at {@code maxCalls})
 * @param ratePerSecond 0 for a closed loop (each caller sends its next call when the last one
 *     returns); above 0, an open loop at this many calls per second over all callers, with
 *     coordinated omission corrected (see {@link OpenLoopSchedule})
 */
public record LoadPlan(int callers, long maxCalls, Duration maxDuration, double ratePerSecond) {

  public LoadPlan {
    if (callers < 1 || callers > 1024) {
      throw new IllegalArgumentException("callers must be in 1..1024: " + callers);
    }
    if (maxCalls < 1) {
      throw new IllegalArgumentException("maxCalls must be >= 1: " + maxCalls);
    }
    if (maxDuration == null || maxDuration.isNegative() || maxDuration.isZero()) {
      throw new IllegalArgumentException("maxDuration must be > 0: " + maxDuration);
    }
    if (ratePerSecond < 0 || Double.isNaN(ratePerSecond)) {
      throw new IllegalArgumentException("ratePerSecond must be >= 0: " + ratePerSecond);
    }
  }

  public boolean openLoop() {
    return ratePerSecond > 0;
  }

  /** The same plan with at most {@code cap} calls. */
  public LoadPlan capCalls(long cap) {
    return new LoadPlan(callers, Math.min(maxCalls, Math.max(1, cap)), maxDuration, ratePerSecond);
  }

  /** The same plan with at most {@code cap} of wall-clock time. */
  public LoadPlan capDuration(Duration cap) {
    return new LoadPlan(callers, maxCalls, cap.compareTo(maxDuration) < 0 ? cap : maxDuration, ratePerSecond);
  }
}
