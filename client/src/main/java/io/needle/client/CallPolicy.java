package io.needle.client;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The one policy of every routed call, blocking or asynchronous, lookup or describe: the call's
 * deadline, how long one attempt may take, when a slow owner is hedged, how long a retry waits
 * (jittered backoff), and what caps retries ({@link RetryThrottle}) and hedges ({@link Budget}).
 * {@link RoutedCall} is its only user on the call path.
 *
 * <p>Threading: immutable settings; the latency window and budgets synchronise themselves.
 */
final class CallPolicy {
  private static final long NO_DEADLINE_NANOS = TimeUnit.DAYS.toNanos(365);
  /** The first retry waits up to this; each later one of the same call up to twice the last. */
  private static final long BACKOFF_BASE_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
  private static final int BACKOFF_MAX_DOUBLINGS = 6;
  /** Retry throttle size: ten retries in a row before the failure rate decides (gRPC: 10 of 20). */
  private static final double RETRY_TOKENS = 20;

  private final long requestTimeoutNanos; // 0: none
  private final long attemptTimeoutNanos; // Long.MAX_VALUE: none
  private final long hedgeFixedNanos;     // -1: not a fixed delay
  private final LatencyWindow latencies;  // null: not by quantile
  private final RetryThrottle retryThrottle;
  private final Budget hedgeBudget;
  private final Counters counters;

  /**
   * @param attemptTimeout null for half the request timeout (one failover fits), zero for none
   * @param hedgeDelay null unless hedging after a fixed delay
   * @param hedgeQuantile above zero when hedging after that quantile of recent latencies
   */
  CallPolicy(Duration requestTimeout, Duration attemptTimeout, Duration hedgeDelay, double hedgeQuantile,
      double retryRatio, double hedgeRatio, Counters counters) {
    this.requestTimeoutNanos = requestTimeout.toNanos();
    long attempt = attemptTimeout != null ? attemptTimeout.toNanos()
        : requestTimeoutNanos == 0 ? Long.MAX_VALUE : Math.max(1, requestTimeoutNanos / 2);
    this.attemptTimeoutNanos = attempt == 0 ? Long.MAX_VALUE : attempt;
    this.hedgeFixedNanos = hedgeDelay == null ? -1 : hedgeDelay.toNanos();
    this.latencies = hedgeQuantile > 0 ? new LatencyWindow(hedgeQuantile) : null;
    this.retryThrottle = new RetryThrottle(retryRatio, RETRY_TOKENS);
    this.hedgeBudget = new Budget(hedgeRatio, 1, 10, System.nanoTime());
    this.counters = counters;
  }

  /** The deadline of a call starting now, as System.nanoTime; far away when there is none. */
  long deadlineFromNow() {
    return System.nanoTime() + (requestTimeoutNanos == 0 ? NO_DEADLINE_NANOS : requestTimeoutNanos);
  }

  /** How long an attempt starting at {@code nowNanos} may wait: its own limit, within the call's deadline. */
  long attemptNanos(long deadlineNanos, long nowNanos) {
    return Math.min(deadlineNanos - nowNanos, attemptTimeoutNanos);
  }

  boolean hedging() {
    return hedgeFixedNanos >= 0 || latencies != null;
  }

  /** How long to wait before hedging; -1 for "do not hedge" (off, or no estimate yet). */
  long hedgeDelayNanos() {
    if (hedgeFixedNanos >= 0) {
      return hedgeFixedNanos;
    }
    return latencies == null ? -1 : latencies.estimateNanos();
  }

  /** An attempt answered: its latency, for hedging at a quantile. */
  void answeredIn(long nanos, boolean hedgedCall) {
    if (hedgedCall && latencies != null) {
      latencies.record(nanos);
    }
  }

  /**
   * Every routed call pays into the hedge budget once: hedges stay a fraction of calls. Why per
   * call and not per attempt: if hedges and retries earned too, each extra request would pay for
   * part of the next, and the extra load would exceed the ratio it is meant to stay within.
   */
  void callStarted() {
    hedgeBudget.deposit();
  }

  /**
   * A call succeeded: one refill of the retry throttle, however many of its attempts answered (a
   * hedged call's loser, a retry), for the same reason as {@link #callStarted}.
   */
  void callSucceeded() {
    retryThrottle.succeeded();
  }

  /**
   * A retryable attempt failed: whether it may go again to a next owner (time is left and the
   * throttle allows). Every such failure drains the throttle, whether or not it is retried.
   */
  boolean mayRetry(long deadlineNanos) {
    retryThrottle.failed();
    if (deadlineNanos - System.nanoTime() > 0 && retryThrottle.allowsRetry()) {
      counters.retries.increment();
      return true;
    }
    counters.retriesDenied.increment();
    return false;
  }

  /**
   * How long the {@code retry}-th retry of a call (1 for the first) waits: "full jitter", uniform
   * in [0, base × 2^(retry-1)], so clients that failed together do not retry together; at most
   * half the time left, so the retry still has time to be answered.
   */
  long backoffNanos(int retry, long deadlineNanos) {
    long ceiling = BACKOFF_BASE_NANOS << Math.min(Math.max(retry - 1, 0), BACKOFF_MAX_DOUBLINGS);
    long delay = ThreadLocalRandom.current().nextLong(ceiling + 1);
    return Math.max(0, Math.min(delay, (deadlineNanos - System.nanoTime()) / 2));
  }

  /** Whether a slow owner may be doubled now. */
  boolean mayHedge() {
    if (hedgeBudget.tryWithdraw(System.nanoTime())) {
      counters.hedges.increment();
      return true;
    }
    counters.hedgesDenied.increment();
    return false;
  }

  void hedgeWon() {
    counters.hedgesWon.increment(); // counted a little generously: a tie is a win
  }
}
