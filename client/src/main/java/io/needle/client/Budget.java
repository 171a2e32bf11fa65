package io.needle.client;

/**
 * A token bucket that caps hedges at a fraction of the real requests (retries have their own
 * {@link RetryThrottle}, which follows the failure rate instead).
 *
 * <p>Every first attempt deposits {@code ratio} tokens; every extra request withdraws one; a
 * steady trickle of {@code minPerSecond} tokens lets a quiet client still retry. The bucket holds
 * at most {@code capacity} tokens, so a long calm period cannot bank a storm. With ratio 0.1,
 * hedges add at most about 10% to a worker fleet's load however slow a worker gets: this is what
 * keeps a brown-out from becoming a melt-down through the client's own extra requests.
 *
 * <p>Threading: synchronized; the critical sections are a few arithmetic operations.
 */
final class Budget {
  private final double ratio;
  private final double minPerNano;
  private final double capacity;
  private double tokens;
  private long lastNanos;

  Budget(double ratio, double minPerSecond, double capacity, long nowNanos) {
    if (!(ratio >= 0) || !(minPerSecond >= 0) || !(capacity >= 1)) {
      throw new IllegalArgumentException("bad budget: ratio " + ratio + ", minPerSecond " + minPerSecond
          + ", capacity " + capacity);
    }
    this.ratio = ratio;
    this.minPerNano = minPerSecond / 1e9;
    this.capacity = capacity;
    this.tokens = capacity;
    this.lastNanos = nowNanos;
  }

  synchronized void deposit() {
    tokens = Math.min(capacity, tokens + ratio);
  }

  /** Takes one token if there is one. */
  synchronized boolean tryWithdraw(long nowNanos) {
    long elapsed = nowNanos - lastNanos;
    if (elapsed > 0) {
      tokens = Math.min(capacity, tokens + elapsed * minPerNano);
      lastNanos = nowNanos;
    }
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }
}
