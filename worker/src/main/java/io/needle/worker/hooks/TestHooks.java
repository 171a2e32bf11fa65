package io.needle.worker.hooks;

import static java.util.Objects.requireNonNull;

import io.needle.pagestore.hooks.ReadStall;
import java.time.Duration;

/**
 * Faults that tests and benchmarks inject into a worker they start in their own JVM, and that no
 * configuration can ask for: a delay before every lookup is served, to play a slow worker (hedging)
 * or a queue whose requests pass their deadline; a page store on a slow disk (T05). Production never builds one: the worker starts
 * with {@link #NONE} unless a caller of {@code Worker.start} passes hooks, and the CLI has no flag
 * for them. Only the bench and testing modules may use this package (ModuleSurfaceTest).
 *
 * @param lookupDelay every lookup waits this long on the event loop's timer before it is served
 * @param storeReads when not null, every read of a page-store hit first waits its current delay
 */
public record TestHooks(Duration lookupDelay, ReadStall storeReads) {
  /** No hooks: what every production worker runs with. */
  public static final TestHooks NONE = new TestHooks(Duration.ZERO, null);

  public TestHooks {
    requireNonNull(lookupDelay, "lookupDelay is null");
    if (lookupDelay.isNegative()) {
      throw new IllegalArgumentException("lookupDelay is negative: " + lookupDelay);
    }
  }

  /** Hooks that delay every lookup by {@code delay}. */
  public static TestHooks lookupDelay(Duration delay) {
    return new TestHooks(delay, null);
  }

  /** Hooks that make the page store's disk as slow as {@code stall} says, from moment to moment. */
  public static TestHooks slowStore(ReadStall stall) {
    return new TestHooks(Duration.ZERO, requireNonNull(stall, "stall is null"));
  }
}
