package io.needle.worker;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How late each event loop runs a heartbeat it scheduled {@link #PERIOD_NANOS} ahead: the longest
 * time a loop was kept from its sockets, by a blocking call, a long task or a GC pause. The proof
 * that a slow disk (T05) or anything else does not stall the loops, for tests and the metrics.
 *
 * <p>Cost: one scheduled task per loop every 10 ms.
 */
final class LoopLag {
  static final long PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  private final AtomicLong maxNanos = new AtomicLong();

  /** Starts a heartbeat on every loop of {@code group}; it ends when the group does. */
  void watch(EventLoopGroup group) {
    for (EventExecutor loop : group) {
      long[] last = {System.nanoTime()}; // touched only by this loop's thread
      try {
        loop.scheduleWithFixedDelay(() -> {
          long now = System.nanoTime();
          long lag = now - last[0] - PERIOD_NANOS;
          last[0] = now;
          if (lag > maxNanos.get()) {
            maxNanos.accumulateAndGet(lag, Math::max);
          }
        }, PERIOD_NANOS, PERIOD_NANOS, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        return; // shutting down
      }
    }
  }

  /** The longest lag seen since the start or the last {@link #reset}. */
  long maxNanos() {
    return maxNanos.get();
  }

  void reset() {
    maxNanos.set(0);
  }
}
