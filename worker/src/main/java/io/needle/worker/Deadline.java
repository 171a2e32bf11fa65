package io.needle.worker;

import io.needle.protocol.proto.ErrorCode;

import java.util.concurrent.CompletionException;

/**
 * When a request's work stops being worth doing: its deadline passed, or the connection that
 * asked for it closed. Checked where work waits in a queue (before a file is opened or a table
 * listed on the loader), so a flood of requests that nobody waits for any more is dropped as it
 * reaches the head of the queue, not run. Work already running is not interrupted: a shared
 * single-flight load (footer, listing) may finish and fill the cache for the next request.
 */
final class Deadline {
  /** One per connection: closed once the connection is, which expires every call it started. */
  static final class Owner {
    private final Runnable onDrop;
    private volatile boolean closed;

    /** @param onDrop counts work dropped by {@link Deadline#check} */
    Owner(Runnable onDrop) {
      this.onDrop = onDrop;
    }

    void close() {
      closed = true;
    }
  }

  private static final Deadline NEVER = new Deadline(new Owner(() -> { }), 0, false);

  private final Owner owner;
  private final long atNanos;
  private final boolean bounded;

  private Deadline(Owner owner, long atNanos, boolean bounded) {
    this.owner = owner;
    this.atNanos = atNanos;
    this.bounded = bounded;
  }

  static Deadline never() {
    return NEVER;
  }

  /** Timeouts past this (a uint64 on the wire) count as none rather than overflow. */
  static final long MAX_TIMEOUT_MICROS = 1L << 40; // about 12.7 days

  /** @param timeoutMicros the request's timeout; 0 (or over {@link #MAX_TIMEOUT_MICROS}) means none */
  static Deadline of(Owner owner, long startNanos, long timeoutMicros) {
    boolean bounded = timeoutMicros > 0 && timeoutMicros <= MAX_TIMEOUT_MICROS;
    return new Deadline(owner, bounded ? startNanos + timeoutMicros * 1_000 : 0, bounded);
  }

  boolean bounded() {
    return bounded;
  }

  /** Nanoseconds left (may be negative); only meaningful when {@link #bounded()}. */
  long remainingNanos() {
    return atNanos - System.nanoTime();
  }

  boolean expired() {
    return owner.closed || (bounded && System.nanoTime() - atNanos >= 0);
  }

  /** Throws (as a future stage would) when the work is no longer wanted. */
  void check() {
    if (expired()) {
      owner.onDrop.run();
      throw new CompletionException(new ServiceException(owner.closed ? ErrorCode.UNAVAILABLE : ErrorCode.DEADLINE_EXCEEDED,
          owner.closed ? "connection closed before the work started" : "deadline passed before the work started"));
    }
  }
}
