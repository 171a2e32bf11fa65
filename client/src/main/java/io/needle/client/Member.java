package io.needle.client;

import java.util.concurrent.atomic.LongAdder;

/**
 * One worker as the client sees it: its stable name (from the health RPC), the address it was
 * last seen at, and a circuit breaker.
 *
 * <p>Breaker: closed while calls succeed. A retryable failure (connection refused or lost,
 * UNAVAILABLE, no answer in time) opens it: routing skips the member for {@code openNanos},
 * doubling on each consecutive opening up to 8 times that. Once the open time has passed the
 * breaker is half-open: the membership task sends one health probe over a fresh connection, and
 * only its success closes the breaker, so real lookups never pay for probing a dead worker.
 *
 * <p>Pushback: a refusal for load that carries a retry-after hint holds the member off for that
 * long, breaker or not (see {@link #holdOff}).
 *
 * <p>Threading: read by every calling thread, written by reply callbacks and the membership task;
 * the fields are volatile and a lost update between two concurrent failures only changes a
 * back-off by one step, which is harmless.
 */
final class Member {
  private final String name;
  private final long nameHash;
  private final long baseOpenNanos;
  private volatile String address;
  private volatile boolean open;
  private volatile long retryAtNanos;
  private volatile int consecutiveOpens;
  /** No hold or ejection: the times are compared as differences, so "none" cannot be a time. */
  private static final long NEVER = Long.MIN_VALUE;

  private volatile long heldOffUntilNanos = NEVER; // pushback
  private volatile long ejectedUntilNanos = NEVER; // outlier ejection
  private int ejectionMultiplier; // the membership thread's only
  private final LongAdder attempts = new LongAdder();
  private final LongAdder failures = new LongAdder();
  private final LongAdder latencyNanos = new LongAdder();

  /** @param nameHash the name's {@code Rendezvous.hash}, by which routing scores the member */
  Member(String name, long nameHash, String address, long baseOpenNanos) {
    this.name = name;
    this.nameHash = nameHash;
    this.address = address;
    this.baseOpenNanos = baseOpenNanos;
  }

  String name() {
    return name;
  }

  long nameHash() {
    return nameHash;
  }

  String address() {
    return address;
  }

  void address(String newAddress) {
    this.address = newAddress;
  }

  /** True when the breaker is closed and no pushback holds it off: the member takes routed requests. */
  boolean isAvailable(long nowNanos) {
    return !open && !before(nowNanos, heldOffUntilNanos) && !before(nowNanos, ejectedUntilNanos);
  }

  /** An attempt sent to this member ended after {@code nanos}: answered, or failed retryably. */
  void attemptEnded(long nanos, boolean failed) {
    attempts.increment();
    latencyNanos.add(nanos);
    if (failed) {
      failures.increment();
    }
  }

  /** The attempts since the last call, for outlier detection. */
  Interval takeInterval() {
    return new Interval(attempts.sumThenReset(), failures.sumThenReset(), latencyNanos.sumThenReset());
  }

  record Interval(long attempts, long failures, long latencyNanos) {
    double meanLatencyNanos() {
      return attempts == 0 ? 0 : (double) latencyNanos / attempts;
    }
  }

  boolean isEjected(long nowNanos) {
    return before(nowNanos, ejectedUntilNanos);
  }

  /** Ejects for base × (times ejected lately), at most max; returns how long. */
  long eject(long nowNanos, long baseNanos, long maxNanos) {
    ejectionMultiplier++;
    long forNanos = Math.min(Math.max(baseNanos, maxNanos), baseNanos * ejectionMultiplier);
    ejectedUntilNanos = nowNanos + forNanos;
    return forNanos;
  }

  /** One step off the ejection multiplier (an interval spent in routing). */
  void decayEjections() {
    if (ejectionMultiplier > 0) {
      ejectionMultiplier--;
    }
  }

  /**
   * The worker asked for quiet (a retry-after hint on a refusal for load): route around it until
   * {@code untilNanos}. Unlike a failure this needs no probe: the worker answered, it is alive.
   */
  void holdOff(long untilNanos) {
    long held = heldOffUntilNanos;
    if (held == NEVER || untilNanos - held > 0) {
      heldOffUntilNanos = untilNanos;
    }
  }

  /** True while {@code untilNanos} (NEVER: no such time) is still ahead of {@code nowNanos}. */
  private static boolean before(long nowNanos, long untilNanos) {
    return untilNanos != NEVER && nowNanos - untilNanos < 0;
  }

  /** Open and its open time has passed: due for a half-open health probe. */
  boolean probeDue(long nowNanos) {
    return open && nowNanos - retryAtNanos >= 0;
  }

  boolean isOpen() {
    return open;
  }

  void succeeded() {
    if (open) {
      open = false;
    }
    consecutiveOpens = 0;
  }

  void failed(long nowNanos) {
    int n = Math.min(consecutiveOpens, 3);
    retryAtNanos = nowNanos + (baseOpenNanos << n);
    consecutiveOpens = n + 1;
    open = true;
  }

  @Override
  public String toString() {
    return name + "@" + address + (open ? " (down)" : "");
  }
}
