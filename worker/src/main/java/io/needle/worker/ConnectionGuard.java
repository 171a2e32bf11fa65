package io.needle.worker;

import io.netty.channel.Channel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The worker-wide share of the {@link ServerLimits}: open connections (all, and per client
 * address) and bytes of request frames buffered over all connections.
 *
 * <p>A connection over a cap is closed as soon as it is accepted, before any handler reads from
 * it: the client sees its connection closed, and the descriptor is free again at once. The
 * per-address map holds an entry only while that address has a connection open, so it is bounded
 * by the connection cap. Threading: every event loop calls in; all state is atomic.
 */
final class ConnectionGuard {
  private static final Logger log = LoggerFactory.getLogger(ConnectionGuard.class);

  private final ServerLimits limits;
  private final AtomicInteger open = new AtomicInteger();
  private final ConcurrentHashMap<InetAddress, AtomicInteger> perAddress = new ConcurrentHashMap<>();
  private final AtomicLong bufferedBytes = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();

  ConnectionGuard(ServerLimits limits) {
    this.limits = limits;
  }

  /** Counts {@code ch} in, or closes it when a cap is reached; its close counts it out. */
  boolean admit(Channel ch) {
    InetAddress address = ch.remoteAddress() instanceof InetSocketAddress isa ? isa.getAddress() : null;
    if (open.incrementAndGet() > limits.maxConnections()) {
      open.decrementAndGet();
      return refuse(ch, "the worker's connection cap of " + limits.maxConnections());
    }
    if (address != null) {
      AtomicInteger[] counted = new AtomicInteger[1];
      perAddress.compute(address, (a, n) -> {
        AtomicInteger count = n == null ? new AtomicInteger() : n;
        if (count.get() < limits.maxConnectionsPerAddress()) {
          count.incrementAndGet();
          counted[0] = count;
        }
        return count.get() == 0 ? null : count;
      });
      if (counted[0] == null) {
        open.decrementAndGet();
        return refuse(ch, "the cap of " + limits.maxConnectionsPerAddress() + " connections per address");
      }
    }
    ch.closeFuture().addListener(f -> {
      open.decrementAndGet();
      if (address != null) {
        perAddress.computeIfPresent(address, (a, n) -> n.decrementAndGet() == 0 ? null : n);
      }
    });
    return true;
  }

  private boolean refuse(Channel ch, String cap) {
    long n = refused.incrementAndGet();
    if (Long.bitCount(n) == 1) { // 1st, 2nd, 4th, 8th...: seen, not a log line per refused connection
      log.warn("refused a connection from {}: {} is reached ({} refused so far)", ch.remoteAddress(), cap, n);
    }
    ch.close();
    return false;
  }

  /** Takes {@code bytes} more of the buffer budget (negative gives back); false when that would go over. */
  boolean buffer(long bytes) {
    if (bytes <= 0) {
      bufferedBytes.addAndGet(bytes);
      return true;
    }
    // Compare-and-set, not add-then-undo: the sum must never be seen over the budget, neither by
    // another connection's check (which would refuse it for bytes never held) nor by a reader.
    long now;
    do {
      now = bufferedBytes.get();
      if (now + bytes > limits.maxBufferedRequestBytes()) {
        return false;
      }
    } while (!bufferedBytes.compareAndSet(now, now + bytes));
    return true;
  }

  int openConnections() {
    return open.get();
  }

  long bufferedBytes() {
    return bufferedBytes.get();
  }

  long refusedConnections() {
    return refused.get();
  }
}
