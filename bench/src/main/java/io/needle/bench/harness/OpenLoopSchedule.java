package io.needle.bench.harness;

/**
 * The send times of an open-loop run, and the latency it charges each call.
 *
 * <p>Coordinated omission: a closed-loop caller that waits for a slow reply also stops sending,
 * so the calls that would have queued behind the stall are never measured and the tail looks
 * better than users see. The open loop fixes the schedule in advance, call {@code i} at
 * {@code start + i * interval}, and charges each call from its <em>intended</em> send time, not
 * from when the caller got round to sending it. A call sent late because the caller was stuck
 * on an earlier one therefore carries the wait it would have spent in a queue.
 *
 * <p>Immutable; the arithmetic is exact in nanoseconds (the interval is rounded to a whole
 * nanosecond once, here).
 */
public record OpenLoopSchedule(long startNanos, long intervalNanos) {

  public OpenLoopSchedule {
    if (intervalNanos <= 0) {
      throw new IllegalArgumentException("intervalNanos must be > 0: " + intervalNanos);
    }
  }

  /** The schedule for {@code ratePerSecond} calls per second from {@code startNanos}. */
  public static OpenLoopSchedule ofRate(long startNanos, double ratePerSecond) {
    if (!(ratePerSecond > 0) || ratePerSecond > 1e9) {
      throw new IllegalArgumentException("ratePerSecond must be in (0, 1e9]: " + ratePerSecond);
    }
    return new OpenLoopSchedule(startNanos, Math.max(1, Math.round(1e9 / ratePerSecond)));
  }

  /** When call {@code index} (0-based) should be sent. */
  public long intendedStartNanos(long index) {
    return startNanos + index * intervalNanos;
  }

  /**
   * The latency charged to call {@code index} that completed at {@code endNanos}: from its
   * intended send time, however late it was really sent.
   */
  public long correctedLatencyNanos(long index, long endNanos) {
    return endNanos - intendedStartNanos(index);
  }
}
