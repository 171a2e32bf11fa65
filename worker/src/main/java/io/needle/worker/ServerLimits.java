package io.needle.worker;

import java.time.Duration;

import static java.util.Objects.requireNonNull;

/**
 * What one worker lets its clients hold, all of it bounded whatever a client sends. The defaults
 * hold on a worker with {@code ulimit -n} of 20,000 or more and 1 GiB of direct memory; the
 * README's security section lists them.
 *
 * @param maxConnections open lookup connections over all clients; more are closed as soon as they
 *     are accepted. Keep it under the process's file descriptor limit minus open files
 * @param maxConnectionsPerAddress open connections from one client IP address
 * @param idleTimeout a connection with nothing in flight and nothing received for this long is closed
 * @param frameTimeout a request frame must arrive whole within this long of its first byte (or of
 *     the previous frame): a client dripping a frame cannot hold a connection and its buffer
 * @param maxBufferedRequestBytes bytes of request frames held across all connections (partial
 *     frames, and frames waiting for an in-flight slot) beyond the first {@link #FREE_BUFFERED_BYTES}
 *     of each; the connection that would go over is closed. So requests of ordinary size are never
 *     refused because large partial frames filled the budget, and the worst case is this plus
 *     {@code maxConnections} times {@link #FREE_BUFFERED_BYTES}
 * @param maxInFlight requests being served over all connections, counted until their work ends
 *     (not when a deadline answers them); more get RESOURCE_EXHAUSTED at once
 * @param maxQueuedLoads request work (file opens, listings) queued for the loader threads; more
 *     gets RESOURCE_EXHAUSTED
 * @param writeStallTimeout a connection whose answers have waited over the high watermark (the
 *     client stopped reading) for this long without falling below it is closed: a client that
 *     never reads cannot hold its answers' memory and its connection for ever
 */
public record ServerLimits(
    int maxConnections,
    int maxConnectionsPerAddress,
    Duration idleTimeout,
    Duration frameTimeout,
    long maxBufferedRequestBytes,
    int maxInFlight,
    int maxQueuedLoads,
    Duration writeStallTimeout) {

  /** Bytes each connection may buffer outside the shared budget: a request of about 1,400 keys. */
  public static final int FREE_BUFFERED_BYTES = 16 << 10;

  /**
   * The pushback a refusal for load carries (busy, queue full, draining): clients send this
   * worker nothing for this long. Short, because a worker is busy for milliseconds; long enough
   * that a client's next lookups go elsewhere instead of into the same full queue.
   */
  public static final int RETRY_AFTER_MILLIS = 100;

  public ServerLimits {
    positive("maxConnections", maxConnections);
    positive("maxConnectionsPerAddress", maxConnectionsPerAddress);
    positive("idleTimeout", requireNonNull(idleTimeout, "idleTimeout is null").toMillis());
    positive("frameTimeout", requireNonNull(frameTimeout, "frameTimeout is null").toMillis());
    positive("maxBufferedRequestBytes", maxBufferedRequestBytes);
    positive("maxInFlight", maxInFlight);
    positive("maxQueuedLoads", maxQueuedLoads);
    positive("writeStallTimeout", requireNonNull(writeStallTimeout, "writeStallTimeout is null").toMillis());
  }

  public static ServerLimits defaults() {
    return new ServerLimits(10_000, 1_000, Duration.ofMinutes(5), Duration.ofSeconds(10), 128L << 20, 10_000, 10_000,
        Duration.ofSeconds(60));
  }

  public ServerLimits withConnections(int newMaxConnections, int newMaxPerAddress) {
    return new ServerLimits(newMaxConnections, newMaxPerAddress, idleTimeout, frameTimeout, maxBufferedRequestBytes,
        maxInFlight, maxQueuedLoads, writeStallTimeout);
  }

  public ServerLimits withTimeouts(Duration newIdleTimeout, Duration newFrameTimeout) {
    return new ServerLimits(maxConnections, maxConnectionsPerAddress, newIdleTimeout, newFrameTimeout,
        maxBufferedRequestBytes, maxInFlight, maxQueuedLoads, writeStallTimeout);
  }

  public ServerLimits withWork(long newMaxBufferedRequestBytes, int newMaxInFlight, int newMaxQueuedLoads) {
    return new ServerLimits(maxConnections, maxConnectionsPerAddress, idleTimeout, frameTimeout,
        newMaxBufferedRequestBytes, newMaxInFlight, newMaxQueuedLoads, writeStallTimeout);
  }

  public ServerLimits withWriteStallTimeout(Duration newWriteStallTimeout) {
    return new ServerLimits(maxConnections, maxConnectionsPerAddress, idleTimeout, frameTimeout,
        maxBufferedRequestBytes, maxInFlight, maxQueuedLoads, newWriteStallTimeout);
  }

  private static void positive(String name, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive: " + value);
    }
  }
}
