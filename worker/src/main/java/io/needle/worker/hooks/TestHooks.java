package io.needle.worker.hooks;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * Faults that tests and benchmarks inject into a worker they start in their own JVM, and that no
 * configuration can ask for: a delay before every lookup is served, to play a slow worker (hedging)
 * or a queue whose requests pass their deadline. Production never builds one: the worker starts
 * with {@link #NONE} unless a caller of {@code Worker.start} passes hooks, and the CLI has no flag
 * for them. Only the bench and testing modules may use this package (ModuleSurfaceTest).
 *
 * @param lookupDelay every lookup waits this long on the event loop's timer before it is served
 */
public record TestHooks(Duration lookupDelay) {
  /** No hooks: what every production worker runs with. */
  public static final TestHooks NONE = new TestHooks(Duration.ZERO);

  public TestHooks {
    requireNonNull(lookupDelay, "lookupDelay is null");
    if (lookupDelay.isNegative()) {
      throw new IllegalArgumentException("lookupDelay is negative: " + lookupDelay);
    }
  }

  /** Hooks that delay every lookup by {@code delay}. */
  public static TestHooks lookupDelay(Duration delay) {
    return new TestHooks(delay);
  }
}
