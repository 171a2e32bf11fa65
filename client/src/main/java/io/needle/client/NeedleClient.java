package io.needle.client;

import io.needle.protocol.proto.AuthenticateRequest;
import io.needle.protocol.proto.HealthRequest;
import io.needle.protocol.proto.HealthResponse;
import io.needle.protocol.proto.RefreshRequest;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import static java.util.Objects.requireNonNull;

/**
 * The entry point applications embed: a fleet of Needle workers and the tables behind them.
 *
 * <pre>{@code
 * try (NeedleClient client = NeedleClient.builder().workers(List.of("127.0.0.1:7070")).build()) {
 *   Table users = client.table("file:///data/users", "user_id");
 *   List<Row> rows = users.lookup(42L, List.of("country", "score"));
 * }
 * }</pre>
 *
 * <p>Workers come from a static list ({@link Builder#workers}) or a DNS name re-resolved
 * periodically ({@link Builder#workersDns}, e.g. a Kubernetes headless service). Each worker is
 * known by the name it reports over the health RPC. Every table file has an owner among the live
 * workers (rendezvous hashing of the file's path and version over worker names), so each file's
 * pages are cached on one worker; a lookup sends one request per owning worker, in parallel. A
 * worker that fails is marked down and its files go to their next owners within the same call;
 * optional hedging doubles a slow owner's request at the next owner, under a budget.
 *
 * <p>Thread-safe; create one per process and share it. Pages are decoded on the calling thread for
 * the blocking methods and on the decode executor for the asynchronous ones.
 */
public final class NeedleClient implements AutoCloseable {
  private static final long PROBE_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private final List<String> workers;
  private final String workersDns;
  private final Duration requestTimeout;
  private final Duration connectTimeout;
  private final long attemptTimeoutNanos;
  private final Duration describeTtl;
  private final int maxResponseFrameBytes;
  private final Executor decodeExecutor;
  private final EventLoopGroup group;
  private final Bootstrap bootstrap;
  private final Map<String, CompletableFuture<Connection>> connections = new ConcurrentHashMap<>();
  private final Membership membership;
  private final long hedgeFixedNanos;
  private final LatencyWindow latencies;
  private final Budget retryBudget;
  private final Budget hedgeBudget;
  private final Counters stats = new Counters();
  private final StageClock stageClock = new StageClock();
  private final BlockingCalls blockingCalls;
  private final ClientTls tls;
  private final String token;
  private final InProcessCalls inProcess; // null over the network

  private NeedleClient(Builder b) {
    this.tls = b.tlsCa == null && b.tlsCertificate == null ? null
        : ClientTls.fromPem(b.tlsCa, b.tlsCertificate, b.tlsKey, b.tlsVerifyHostname);
    this.token = b.token;
    this.inProcess = b.transport == null ? null : new InProcessCalls(b.transport);
    this.workers = b.transport == null ? List.copyOf(b.workers) : List.of(InProcessCalls.ADDRESS);
    this.workersDns = b.workersDns;
    this.requestTimeout = b.requestTimeout;
    this.connectTimeout = b.connectTimeout;
    long attempt = b.attemptTimeout != null ? b.attemptTimeout.toNanos()
        : requestTimeout.isZero() ? Long.MAX_VALUE : Math.max(1, requestTimeout.toNanos() / 2);
    this.attemptTimeoutNanos = attempt == 0 ? Long.MAX_VALUE : attempt;
    this.describeTtl = b.describeTtl;
    this.maxResponseFrameBytes = b.maxResponseFrameBytes;
    this.blockingCalls = b.blockingCalls && inProcess == null
        ? new BlockingCalls(b.maxResponseFrameBytes, b.connectTimeout, tls, token) : null;
    this.decodeExecutor = b.decodeExecutor;
    this.hedgeFixedNanos = b.hedgeDelay == null ? -1 : b.hedgeDelay.toNanos();
    this.latencies = b.hedgeQuantile > 0 ? new LatencyWindow(b.hedgeQuantile) : null;
    this.retryBudget = new Budget(b.retryRatio, 10, 20, System.nanoTime());
    this.hedgeBudget = new Budget(b.hedgeRatio, 1, 10, System.nanoTime());
    boolean epoll = Epoll.isAvailable();
    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    this.group = new MultiThreadIoEventLoopGroup(1, io);
    this.bootstrap = new Bootstrap().group(group).channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class);
    Membership.Source source = workersDns == null ? Membership.staticList(workers)
        : Membership.dns(workersDns.substring(0, workersDns.lastIndexOf(':')),
            Integer.parseInt(workersDns.substring(workersDns.lastIndexOf(':') + 1)));
    this.membership = new Membership(source, this::health, b.membershipRefresh.toNanos(), PROBE_INTERVAL_NANOS,
        b.breakerOpen.toNanos());
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * A table: the Parquet files under {@code uri} ({@code file:///...}), looked up by
   * {@code keyColumn}, a top-level primitive column. Cheap; nothing is contacted until the
   * first lookup.
   */
  public Table table(String uri, String keyColumn) {
    return new Table(this, requireNonNull(uri, "uri is null"), requireNonNull(keyColumn, "keyColumn is null"));
  }

  /** The workers this client was given: the static list, or the DNS {@code name:port}. */
  public List<String> workers() {
    return workersDns == null ? workers : List.of(workersDns);
  }

  /** Names of the workers currently taking requests (breaker closed), sorted. */
  public List<String> liveWorkers() {
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

  /**
   * Where lookups' time went since the client was built, from the client's and the workers' own
   * clocks (see {@link LookupStages}).
   */
  public LookupStages stages() {
    return stageClock.snapshot();
  }

  StageClock stageClock() {
    return stageClock;
  }

  /** The caller-thread path of synchronous calls, or null when off or when hedging needs Netty. */
  BlockingCalls blockingCalls() {
    return hedging() ? null : blockingCalls;
  }

  /** Counters since the client was built. */
  public ClientStats stats() {
    return new ClientStats(stats.workerRequests.sum(), stats.blockingCalls.sum(), stats.blockingFallbacks.sum(),
        stats.retries.sum(), stats.retriesDenied.sum(),
        stats.hedges.sum(), stats.hedgesWon.sum(), stats.hedgesDenied.sum());
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

  // ------------------------------------------------------------------------------------------
  // For Table and FanOut.

  Duration describeTtl() {
    return describeTtl;
  }

  Executor decodeExecutor() {
    return decodeExecutor;
  }

  Membership membership() {
    return membership;
  }

  String membershipDescription() {
    return workersDns == null ? "static " + workers : "dns " + workersDns;
  }

  long attemptTimeoutNanos() {
    return attemptTimeoutNanos;
  }

  /** The deadline of a call starting now, as System.nanoTime; far away when there is none. */
  long deadlineNanos() {
    return System.nanoTime() + (requestTimeout.isZero() ? TimeUnit.DAYS.toNanos(365) : requestTimeout.toNanos());
  }

  boolean hedging() {
    return hedgeFixedNanos >= 0 || latencies != null;
  }

  /** How long to wait before hedging; -1 for "do not hedge" (off, or no estimate yet). */
  long hedgeDelayNanos() {
    if (hedgeFixedNanos >= 0) {
      return hedgeFixedNanos;
    }
    return latencies == null ? -1 : latencies.estimateNanos();
  }

  void recordLatency(long nanos) {
    if (latencies != null) {
      latencies.record(nanos);
    }
  }

  Budget retryBudget() {
    return retryBudget;
  }

  Budget hedgeBudget() {
    return hedgeBudget;
  }

  Counters counters() {
    return stats;
  }

  EventLoopGroup scheduler() {
    return group;
  }

  /** Waits (without blocking a thread) for the first membership refresh, then runs {@code call}. */
  <R> CompletableFuture<R> whenMembersKnown(java.util.function.Supplier<CompletableFuture<R>> call) {
    CompletableFuture<Void> ready = membership.ready();
    return ready.isDone() ? call.get() : ready.thenCompose(v -> call.get());
  }

  /**
   * Asks every live worker to list {@code tableUri} again now (the Refresh RPC); completes when
   * all have answered, exceptionally with the first failure.
   */
  CompletableFuture<Void> relist(String tableUri) {
    return whenMembersKnown(() -> {
      long now = System.nanoTime();
      List<CompletableFuture<Void>> calls = new ArrayList<>();
      for (Member m : membership.members()) {
        if (m.isAvailable(now)) {
          Request.Builder refresh = Request.newBuilder().setRefresh(RefreshRequest.newBuilder().setTableUri(tableUri));
          calls.add(send(m, refresh, requestTimeout).thenAccept(Reply::release));
        }
      }
      if (calls.isEmpty()) {
        return CompletableFuture.failedFuture(new NeedleException(NeedleException.Code.UNAVAILABLE,
            "no live worker to refresh " + tableUri));
      }
      return CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new));
    });
  }

  /**
   * Sends {@code request} to {@code member} over its pooled connection, first checking that the
   * connection's worker still has the member's name (a reused address does not count).
   */
  CompletableFuture<Reply> send(Member member, Request.Builder request, Duration timeout) {
    stats.workerRequests.increment();
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

  private CompletableFuture<HealthResponse> health(String address) {
    CompletableFuture<Reply> call = inProcess != null ? inProcess.call(healthRequest(), connectTimeout)
        : connection(address).thenCompose(c -> c.call(healthRequest(), connectTimeout));
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
    return Connection.open(bootstrap, host, port, maxResponseFrameBytes, connectTimeout, tls).thenCompose(c -> {
      if (token == null) {
        return CompletableFuture.completedFuture(c);
      }
      return c.call(Request.newBuilder().setAuthenticate(AuthenticateRequest.newBuilder().setToken(token)), connectTimeout)
          .handle((reply, error) -> {
            if (error != null) {
              c.close();
              throw new java.util.concurrent.CompletionException(FanOut.unwrap(error));
            }
            reply.release();
            return c;
          });
    }).thenCompose(c ->
        c.call(healthRequest(), connectTimeout).handle((reply, error) -> {
          if (error != null) {
            c.close();
            throw new java.util.concurrent.CompletionException(FanOut.unwrap(error));
          }
          try {
            c.workerName(reply.response().getHealth().getWorkerName());
            return c;
          } finally {
            reply.release();
          }
        }));
  }

  /** The mutable counters behind {@link ClientStats}. */
  static final class Counters {
    final LongAdder workerRequests = new LongAdder();
    final LongAdder blockingCalls = new LongAdder();
    final LongAdder blockingFallbacks = new LongAdder();
    final LongAdder retries = new LongAdder();
    final LongAdder retriesDenied = new LongAdder();
    final LongAdder hedges = new LongAdder();
    final LongAdder hedgesWon = new LongAdder();
    final LongAdder hedgesDenied = new LongAdder();
  }

  /** Configures a {@link NeedleClient}. */
  public static final class Builder {
    private final List<String> workers = new ArrayList<>();
    private String workersDns;
    private Duration requestTimeout = Duration.ofSeconds(10);
    private Duration connectTimeout = Duration.ofSeconds(3);
    private Duration attemptTimeout;
    private Duration describeTtl = Duration.ofSeconds(30);
    private Duration membershipRefresh = Duration.ofSeconds(5);
    private Duration breakerOpen = Duration.ofMillis(500);
    private Duration hedgeDelay;
    private double hedgeQuantile;
    private double hedgeRatio = 0.1;
    private double retryRatio = 0.2;
    private int maxResponseFrameBytes = 512 << 20;
    private Executor decodeExecutor = ForkJoinPool.commonPool();
    private boolean blockingCalls = true;
    private java.nio.file.Path tlsCa;
    private java.nio.file.Path tlsCertificate;
    private java.nio.file.Path tlsKey;
    private boolean tlsVerifyHostname = true;
    private String token;
    private Transport transport;

    private Builder() {}

    /**
     * Talk TLS to the workers, trusting the CA certificates in {@code caFile} (PEM) for their
     * certificates. Each worker's certificate must also name the host or IP the client dials
     * (see {@link #tlsVerifyHostname}).
     */
    public Builder tlsCa(java.nio.file.Path caFile) {
      this.tlsCa = requireNonNull(caFile, "caFile is null");
      return this;
    }

    /**
     * Present this client certificate (mTLS): a PEM chain and its PKCS#8 PEM key. The worker
     * takes the client's identity from the certificate's SAN (a SPIFFE ID, say). Implies TLS;
     * without {@link #tlsCa} the JDK's trusted CAs check the workers.
     */
    public Builder tlsClientCertificate(java.nio.file.Path certificateFile, java.nio.file.Path keyFile) {
      this.tlsCertificate = requireNonNull(certificateFile, "certificateFile is null");
      this.tlsKey = requireNonNull(keyFile, "keyFile is null");
      return this;
    }

    /**
     * Whether a worker's certificate must name the host or IP dialled (true by default). Off,
     * any certificate of the trusted CA is accepted: for a private CA that only issues worker
     * certificates, when workers are found by pod IP.
     */
    public Builder tlsVerifyHostname(boolean verify) {
      this.tlsVerifyHostname = verify;
      return this;
    }

    /**
     * A bearer token, sent once on each new connection before anything else, for clients
     * without a client certificate. Send it over TLS only: on plaintext anyone on the path
     * reads it.
     */
    public Builder token(String bearerToken) {
      requireNonNull(bearerToken, "token is null");
      if (bearerToken.isEmpty()) {
        throw new IllegalArgumentException("token is empty");
      }
      this.token = bearerToken;
      return this;
    }

    /**
     * Calls go through {@code transport} to one worker in this process instead of over the
     * network (embedded mode, {@code needle-embedded}); no worker list is given then. The client
     * closes the transport when it closes.
     */
    public Builder transport(Transport inProcessTransport) {
      this.transport = requireNonNull(inProcessTransport, "transport is null");
      return this;
    }

    /** Workers as {@code host:port}; a static membership. */
    public Builder workers(List<String> hostPorts) {
      for (String hp : hostPorts) {
        checkHostPort(hp, "worker address");
        workers.add(hp);
      }
      return this;
    }

    /**
     * Workers from DNS: every address {@code name} resolves to (a Kubernetes headless service
     * has one A record per ready pod), each on {@code port}, re-resolved every
     * {@link #membershipRefresh}. Mind the JVM's DNS cache ({@code networkaddress.cache.ttl}).
     */
    public Builder workersDns(String nameColonPort) {
      checkHostPort(nameColonPort, "workers DNS name");
      this.workersDns = nameColonPort;
      return this;
    }

    /** Time a call may take, retries and hedges included, sent to workers as their deadline; zero means none. */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = nonNegative(timeout, "requestTimeout");
      return this;
    }

    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = nonNegative(timeout, "connectTimeout");
      return this;
    }

    /**
     * Longest wait for one worker's answer before it counts as failed and its files go to the
     * next owner; half the request timeout by default, so that one failover fits.
     */
    public Builder attemptTimeout(Duration timeout) {
      this.attemptTimeout = nonNegative(timeout, "attemptTimeout");
      return this;
    }

    /** How long a table's file list and schemas are trusted before being fetched again. */
    public Builder describeTtl(Duration ttl) {
      this.describeTtl = nonNegative(ttl, "describeTtl");
      return this;
    }

    /** How often the worker list is re-resolved and every worker's health asked. */
    public Builder membershipRefresh(Duration every) {
      this.membershipRefresh = positive(every, "membershipRefresh");
      return this;
    }

    /** How long a failed worker is skipped before a health probe may bring it back (doubles while it stays down). */
    public Builder breakerOpen(Duration open) {
      this.breakerOpen = positive(open, "breakerOpen");
      return this;
    }

    /** Hedge after a fixed delay: a worker silent for {@code delay} gets a twin request at the next owner. */
    public Builder hedgeAfter(Duration delay) {
      this.hedgeDelay = nonNegative(delay, "hedge delay");
      this.hedgeQuantile = 0;
      return this;
    }

    /** Hedge after the observed {@code quantile} (e.g. 0.95) of recent worker latencies. */
    public Builder hedgeAtQuantile(double quantile) {
      if (!(quantile > 0 && quantile < 1)) {
        throw new IllegalArgumentException("hedge quantile must be in (0, 1): " + quantile);
      }
      this.hedgeQuantile = quantile;
      this.hedgeDelay = null;
      return this;
    }

    /** Hedges allowed per call on average (0.1 by default): hedging can never double the load. */
    public Builder hedgeBudget(double ratio) {
      this.hedgeRatio = ratio(ratio, "hedge budget");
      return this;
    }

    /** Retries allowed per call on average (0.2 by default), plus 10 per second. */
    public Builder retryBudget(double ratio) {
      this.retryRatio = ratio(ratio, "retry budget");
      return this;
    }

    /** Largest response accepted; bigger ones close the connection. */
    public Builder maxResponseBytes(int bytes) {
      if (bytes < 1024) {
        throw new IllegalArgumentException("maxResponseBytes too small: " + bytes);
      }
      this.maxResponseFrameBytes = bytes;
      return this;
    }

    /** Where asynchronous lookups decode pages; the common pool by default. */
    public Builder decodeExecutor(Executor executor) {
      this.decodeExecutor = requireNonNull(executor, "executor is null");
      return this;
    }

    /**
     * Whether synchronous lookups answered by one worker are made on the caller's thread over a
     * blocking socket (the default): two thread hand-offs fewer per call than through the event
     * loop. Off, every call goes through Netty. Asynchronous calls, fan-out, hedging and
     * failover always go through Netty.
     */
    public Builder blockingCalls(boolean on) {
      this.blockingCalls = on;
      return this;
    }

    public NeedleClient build() {
      if (transport != null) {
        if (!workers.isEmpty() || workersDns != null) {
          throw new IllegalStateException("an in-process transport takes no worker list or DNS name");
        }
        return new NeedleClient(this);
      }
      if (workers.isEmpty() == (workersDns == null)) {
        throw new IllegalStateException(workersDns == null ? "no workers configured"
            : "configure either a worker list or a workers DNS name, not both");
      }
      return new NeedleClient(this);
    }

    private static void checkHostPort(String hp, String what) {
      requireNonNull(hp, what + " is null");
      int colon = hp.lastIndexOf(':');
      if (colon <= 0 || colon == hp.length() - 1) {
        throw new IllegalArgumentException(what + " is not host:port: " + hp);
      }
      try {
        int port = Integer.parseInt(hp.substring(colon + 1));
        if (port <= 0 || port > 65535) {
          throw new IllegalArgumentException(what + " port out of range: " + hp);
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(what + " port is not a number: " + hp, e);
      }
    }

    private static double ratio(double r, String name) {
      if (!(r >= 0 && r <= 1)) {
        throw new IllegalArgumentException(name + " must be in [0, 1]: " + r);
      }
      return r;
    }

    private static Duration nonNegative(Duration d, String name) {
      requireNonNull(d, name + " is null");
      if (d.isNegative()) {
        throw new IllegalArgumentException(name + " is negative: " + d);
      }
      return d;
    }

    private static Duration positive(Duration d, String name) {
      requireNonNull(d, name + " is null");
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive: " + d);
      }
      return d;
    }
  }
}
