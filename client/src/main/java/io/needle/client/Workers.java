package io.needle.client;

import io.needle.protocol.proto.AuthenticateRequest;
import io.needle.protocol.proto.HealthRequest;
import io.needle.protocol.proto.HealthResponse;
import io.needle.protocol.proto.Request;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The worker fleet as calls see it: who the workers are and which are up ({@link Membership}),
 * and the ways to carry a request to one -- its pooled Netty connection, a pooled blocking socket
 * on the caller's thread ({@link BlockingCalls}), or the in-process {@link Transport}. Knows
 * nothing of tables, retries or hedging: that is {@link RoutedCall} under {@link CallPolicy}.
 */
final class Workers implements AutoCloseable {
  private static final long PROBE_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  /** Pause before a call that knows no worker asks for another membership refresh. */
  private static final long MEMBERSHIP_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

  /** How to find and reach the workers, as the builder was told. */
  record Settings(List<String> addresses, String dnsNameAndPort, Duration connectTimeout, int maxResponseFrameBytes,
      boolean blockingCalls, ClientTls tls, String token, Transport transport, Duration membershipRefresh,
      Duration breakerOpen, OutlierEjection outlierEjection) {}

  private final Settings settings;
  private final Counters counters;
  private final EventLoopGroup group;
  private final Bootstrap bootstrap;
  private final Map<String, CompletableFuture<Connection>> connections = new ConcurrentHashMap<>();
  private final BlockingCalls blockingCalls; // null when off, and in process
  private final InProcessCalls inProcess;    // null over the network
  private final Membership membership;

  Workers(Settings settings, Counters counters) {
    this.settings = settings;
    this.counters = counters;
    this.inProcess = settings.transport() == null ? null : new InProcessCalls(settings.transport());
    this.blockingCalls = settings.blockingCalls() && inProcess == null
        ? new BlockingCalls(settings.maxResponseFrameBytes(), settings.connectTimeout(), settings.tls(), settings.token())
        : null;
    boolean epoll = Epoll.isAvailable();
    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    this.group = new MultiThreadIoEventLoopGroup(1, io);
    this.bootstrap = new Bootstrap().group(group).channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class);
    String dns = settings.dnsNameAndPort();
    Membership.Source source = dns != null
        ? Membership.dns(dns.substring(0, dns.lastIndexOf(':')), Integer.parseInt(dns.substring(dns.lastIndexOf(':') + 1)))
        : Membership.staticList(inProcess != null ? List.of(InProcessCalls.ADDRESS) : settings.addresses());
    this.membership = new Membership(source, this::health, settings.membershipRefresh().toNanos(), PROBE_INTERVAL_NANOS,
        settings.breakerOpen().toNanos(),
        settings.outlierEjection() == null ? null : new OutlierDetector(settings.outlierEjection(), counters.ejections));
  }

  /** The workers this client was given: the static list, or the DNS {@code name:port}. */
  List<String> configured() {
    return settings.dnsNameAndPort() != null ? List.of(settings.dnsNameAndPort())
        : inProcess != null ? List.of(InProcessCalls.ADDRESS) : settings.addresses();
  }

  /** Names of the workers taking requests now (breaker closed, not held off or ejected), sorted. */
  List<String> liveNames() {
    List<String> out = new ArrayList<>();
    long now = System.nanoTime();
    for (Member m : membership.members()) {
      if (m.isAvailable(now)) {
        out.add(m.name());
      }
    }
    out.sort(null);
    return out;
  }

  /** Names of the workers out of routing as outliers now, sorted. */
  List<String> ejectedNames() {
    List<String> out = new ArrayList<>();
    long now = System.nanoTime();
    for (Member m : membership.members()) {
      if (m.isEjected(now)) {
        out.add(m.name());
      }
    }
    out.sort(null);
    return out;
  }

  List<Member> members() {
    return membership.members();
  }

  /**
   * Runs {@code call} once a worker is known, without blocking a thread for it: after the first
   * membership refresh and, while no worker is known, after further refreshes until one answers
   * or {@code deadlineNanos} is near. Why: a worker busy or still starting can miss the first
   * refresh's health probe, and the next scheduled refresh may be minutes away; a call with time
   * left should find it rather than fail at once with "no workers known". A refusal of this
   * client's credentials ends the wait (asking again would be refused again).
   */
  <R> CompletableFuture<R> whenKnown(long deadlineNanos, Supplier<CompletableFuture<R>> call) {
    CompletableFuture<Void> ready = membership.ready();
    if (ready.isDone() && !membership.members().isEmpty()) {
      return call.get();
    }
    return ready.thenCompose(v -> untilAWorkerIsKnown(deadlineNanos)).thenCompose(v -> call.get());
  }

  private CompletableFuture<Void> untilAWorkerIsKnown(long deadlineNanos) {
    if (!membership.members().isEmpty() || membership.refusal() != null
        || deadlineNanos - System.nanoTime() <= 2 * MEMBERSHIP_RETRY_NANOS) {
      return CompletableFuture.completedFuture(null); // the call goes on, and fails as noneLeft says
    }
    CompletableFuture<Void> refreshed = new CompletableFuture<>();
    try {
      group.schedule(() -> membership.refreshNow().whenComplete((v, e) -> refreshed.complete(null)),
          MEMBERSHIP_RETRY_NANOS, TimeUnit.NANOSECONDS);
    } catch (RuntimeException closed) { // the client is closing
      return CompletableFuture.completedFuture(null);
    }
    return refreshed.thenCompose(v -> untilAWorkerIsKnown(deadlineNanos));
  }

  /** Why there is no worker to send to: credentials refused, nobody known, or all tried. */
  NeedleException noneLeft(Throwable why) {
    List<Member> members = membership.members();
    if (members.isEmpty() && membership.refusal() != null) {
      return membership.refusal();
    }
    String message = members.isEmpty()
        ? "no workers known (membership: " + (settings.dnsNameAndPort() == null ? "static " + configured()
            : "dns " + settings.dnsNameAndPort()) + ")"
        : "no worker left to try among " + members + (why == null ? "" : " after: " + why.getMessage());
    return new NeedleException(NeedleException.Code.UNAVAILABLE, message, why);
  }

  /** A member failed a routed request: its breaker opens. */
  void failed(Member m) {
    membership.failed(m);
  }

  /** Runs {@code task} on the client's event loop after a delay (hedge timers). */
  ScheduledFuture<?> schedule(Runnable task, long delayNanos) {
    return group.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
  }

  /** Whether a call may be made on the caller's thread now (blocking sockets on, members known). */
  boolean onThisThreadPossible() {
    return blockingCalls != null && membership.ready().isDone();
  }

  /**
   * Sends {@code request} to {@code member} over a pooled blocking socket on this thread and
   * waits until {@code attemptDeadlineNanos} (within the call's {@code deadlineNanos}).
   */
  Reply callOnThisThread(Member member, Request.Builder request, long deadlineNanos, long attemptDeadlineNanos)
      throws BlockingCalls.Unusable {
    counters.workerRequests.increment();
    counters.blockingCalls.increment();
    return blockingCalls.call(member, request, deadlineNanos, attemptDeadlineNanos);
  }

  /** A blocking socket could not carry a call, which goes through the event loop instead. */
  void blockingFallback() {
    counters.blockingFallbacks.increment();
  }

  /**
   * Sends {@code request} to {@code member} over its pooled connection, first checking that the
   * connection's worker still has the member's name (a reused address does not count).
   */
  CompletableFuture<Reply> send(Member member, Request.Builder request, Duration timeout) {
    counters.workerRequests.increment();
    if (inProcess != null) {
      return inProcess.call(request, timeout);
    }
    return connection(member.address()).thenCompose(c -> {
      if (!member.name().equals(c.workerName())) {
        membership.refreshSoon();
        return CompletableFuture.failedFuture(new NeedleException(NeedleException.Code.UNAVAILABLE,
            "address " + member.address() + " now serves worker " + c.workerName() + ", not " + member.name()));
      }
      return c.call(request, timeout);
    });
  }

  /**
   * Sends {@code request} to every live worker; completes when all have answered, exceptionally
   * with the first failure (UNAVAILABLE when none is live).
   */
  CompletableFuture<Void> sendToAll(Supplier<Request.Builder> request, long deadlineNanos, String what) {
    return whenKnown(deadlineNanos, () -> {
      long now = System.nanoTime();
      if (deadlineNanos - now <= 0) {
        return CompletableFuture.failedFuture(new NeedleException(NeedleException.Code.DEADLINE_EXCEEDED,
            "the call's deadline passed"));
      }
      List<CompletableFuture<Void>> calls = new ArrayList<>();
      for (Member m : membership.members()) {
        if (m.isAvailable(now)) {
          calls.add(send(m, request.get(), Duration.ofNanos(deadlineNanos - now)).thenAccept(Reply::release));
        }
      }
      if (calls.isEmpty()) {
        return CompletableFuture.failedFuture(new NeedleException(NeedleException.Code.UNAVAILABLE,
            "no live worker to " + what));
      }
      return CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new));
    });
  }

  @Override
  public void close() {
    membership.close();
    if (blockingCalls != null) {
      blockingCalls.close();
    }
    if (inProcess != null) {
      inProcess.close();
    }
    for (CompletableFuture<Connection> c : connections.values()) {
      c.thenAccept(Connection::close);
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  private CompletableFuture<HealthResponse> health(String address) {
    Duration timeout = settings.connectTimeout();
    CompletableFuture<Reply> call = inProcess != null ? inProcess.call(healthRequest(), timeout)
        : connection(address).thenCompose(c -> c.call(healthRequest(), timeout));
    return call.thenApply(reply -> {
      try {
        return reply.response().getHealth();
      } finally {
        reply.release();
      }
    });
  }

  private static Request.Builder healthRequest() {
    return Request.newBuilder().setHealth(HealthRequest.getDefaultInstance());
  }

  private CompletableFuture<Connection> connection(String address) {
    CompletableFuture<Connection> existing = connections.get(address);
    if (existing != null && (!existing.isDone() || usable(existing))) {
      return existing;
    }
    CompletableFuture<Connection> fresh = open(address);
    if (existing == null ? connections.putIfAbsent(address, fresh) != null : !connections.replace(address, existing, fresh)) {
      fresh.thenAccept(Connection::close);
      CompletableFuture<Connection> winner = connections.get(address);
      return winner != null ? winner : fresh;
    }
    return fresh;
  }

  private static boolean usable(CompletableFuture<Connection> f) {
    return !f.isCompletedExceptionally() && f.join().isActive();
  }

  /**
   * Connects, sends the token when there is one, then learns the worker's name with one health
   * call before anyone may use it.
   */
  private CompletableFuture<Connection> open(String address) {
    int colon = address.lastIndexOf(':');
    String host = address.substring(0, colon);
    int port = Integer.parseInt(address.substring(colon + 1));
    Duration timeout = settings.connectTimeout();
    return Connection.open(bootstrap, host, port, settings.maxResponseFrameBytes(), timeout, settings.tls())
        .thenCompose(c -> {
          if (settings.token() == null) {
            return CompletableFuture.completedFuture(c);
          }
          return c.call(Request.newBuilder().setAuthenticate(AuthenticateRequest.newBuilder().setToken(settings.token())),
              timeout).handle((reply, error) -> {
                if (error != null) {
                  c.close();
                  throw new CompletionException(Futures.unwrap(error));
                }
                reply.release();
                return c;
              });
        }).thenCompose(c ->
            c.call(healthRequest(), timeout).handle((reply, error) -> {
              if (error != null) {
                c.close();
                throw new CompletionException(Futures.unwrap(error));
              }
              try {
                c.workerName(reply.response().getHealth().getWorkerName());
                return c;
              } finally {
                reply.release();
              }
            }));
  }
}
