package io.needle.client;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The one policy of every routed call, blocking or asynchronous, lookup or describe: the call's
 * deadline, how long one attempt may take, when a slow owner is hedged, and the budgets that cap
 * retries and hedges (see {@link Budget}). {@link RoutedCall} is its only user on the call path.
 *
 * <p>Threading: immutable settings; the latency window and budgets synchronise themselves.
 */
final class CallPolicy {
  private static final long NO_DEADLINE_NANOS = TimeUnit.DAYS.toNanos(365);

  private final long requestTimeoutNanos; // 0: none
  private final long attemptTimeoutNanos; // Long.MAX_VALUE: none
  private final long hedgeFixedNanos;     // -1: not a fixed delay
  private final LatencyWindow latencies;  // null: not by quantile
  private final Budget retryBudget;
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
    this.retryBudget = new Budget(retryRatio, 10, 20, System.nanoTime());
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

  /** A successful attempt's latency, for hedging at a quantile. */
  void answeredIn(long nanos) {
    if (latencies != null) {
      latencies.record(nanos);
    }
  }

  /** Every routed call pays into the budgets once: extra requests stay a fraction of calls. */
  void callStarted() {
    retryBudget.deposit();
    hedgeBudget.deposit();
  }

  /** Whether a failed attempt may go again to a next owner: time is left and the budget allows. */
  boolean mayRetry(long deadlineNanos) {
    long now = System.nanoTime();
    if (deadlineNanos - now > 0 && retryBudget.tryWithdraw(now)) {
      counters.retries.increment();
      return true;
    }
    counters.retriesDenied.increment();
    return false;
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
