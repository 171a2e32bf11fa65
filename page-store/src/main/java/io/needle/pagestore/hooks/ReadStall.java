package io.needle.pagestore.hooks;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A slow disk for tests (RELIABILITY.md T05): every read of a hit in a store opened with this hook
 * ({@code PageStore.open(config, stall)}) first waits the current delay, on the thread that reads,
 * as a page fault on a stalling disk would. The delay can change while the store is open. No
 * configuration can ask for it; production opens stores without it.
 *
 * <p>Threading: the delay is volatile; any thread may change it.
 */
public final class ReadStall {
  private volatile long delayNanos;

  /** Sets the delay of every read from now on (zero: reads are not delayed). */
  public void delay(Duration delay) {
    requireNonNull(delay, "delay is null");
    if (delay.isNegative()) {
      throw new IllegalArgumentException("delay is negative: " + delay);
    }
    this.delayNanos = delay.toNanos();
  }

  public Duration delay() {
    return Duration.ofNanos(delayNanos);
  }

  /** Waits the current delay; an interrupt ends the wait early (and stays set). */
  public void await() {
    long nanos = delayNanos;
    if (nanos > 0) {
      try {
        TimeUnit.NANOSECONDS.sleep(nanos);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
