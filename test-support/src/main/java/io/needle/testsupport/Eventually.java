package io.needle.testsupport;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * A bounded poll on a condition, for tests that wait for an asynchronous effect (a page stored
 * after its answer, a breaker closed after a probe, a connection closed by a timer): the test
 * waits for the condition itself, never for a fixed sleep standing for "done". The bound is a
 * give-up time for a loaded 2-core machine, not a speed assertion: a condition that holds returns
 * as soon as it holds.
 */
public final class Eventually {
  private static final long POLL_MILLIS = 10;

  private Eventually() {}

  /** Waits until {@code condition} holds; fails with {@code what} when it still does not after {@code bound}. */
  public static void holds(String what, Duration bound, BooleanSupplier condition) throws InterruptedException {
    if (!within(bound, condition)) {
      throw new AssertionError(what + ": still not so after " + bound.toSeconds() + " s");
    }
  }

  /** Waits until {@code condition} holds or {@code bound} has passed; whether it holds. */
  public static boolean within(Duration bound, BooleanSupplier condition) throws InterruptedException {
    long end = System.nanoTime() + bound.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - end >= 0) {
        return condition.getAsBoolean();
      }
      Thread.sleep(POLL_MILLIS);
    }
    return true;
  }
}
