package io.needle.client;

/**
 * Retry throttling as gRPC does it (gRFC A6): a bucket of {@code maxTokens} that every failed
 * attempt drains by one and every successful call (not attempt: see
 * {@link CallPolicy#callSucceeded}) refills by {@code ratio}; a retry is allowed
 * only while more than half the bucket is left.
 *
 * <p>Why this and not a share of calls: the cap follows the failure rate, not the call rate or the
 * clock. However fast or slow the calls come, the retries of any run number at most
 * {@code maxTokens / 2 + ratio * successes + 1}: so at 50% failures the fleet sees about
 * {@code 1 + ratio / 2} requests per call, and once failures outpace the refill (a full outage)
 * none at all, while a healthy client (few failures) keeps every retry it needs for a worker that
 * died.
 *
 * <p>Threading: synchronized; the critical sections are a few arithmetic operations.
 */
final class RetryThrottle {
  private final double ratio;
  private final double maxTokens;
  private double tokens;

  RetryThrottle(double ratio, double maxTokens) {
    if (!(ratio >= 0) || !(maxTokens >= 2)) {
      throw new IllegalArgumentException("bad retry throttle: ratio " + ratio + ", maxTokens " + maxTokens);
    }
    this.ratio = ratio;
    this.maxTokens = maxTokens;
    this.tokens = maxTokens;
  }

  synchronized void succeeded() {
    tokens = Math.min(maxTokens, tokens + ratio);
  }

  synchronized void failed() {
    tokens = Math.max(0, tokens - 1);
  }

  synchronized boolean allowsRetry() {
    return tokens > maxTokens / 2;
  }
}
