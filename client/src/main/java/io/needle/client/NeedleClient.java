package io.needle.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;

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
  private final Counters counters = new Counters();
  private final Workers workers;
  private final CallContext context;

  private NeedleClient(Builder b) {
    ClientTls tls = b.tlsCa == null && b.tlsCertificate == null ? null
        : ClientTls.fromPem(b.tlsCa, b.tlsCertificate, b.tlsKey, b.tlsVerifyHostname);
    this.workers = new Workers(new Workers.Settings(List.copyOf(b.workers), b.workersDns, b.connectTimeout,
        b.maxResponseFrameBytes, b.blockingCalls, tls, b.token, b.transport, b.membershipRefresh, b.breakerOpen,
        b.outlierEjection),
        counters);
    CallPolicy policy = new CallPolicy(b.requestTimeout, b.attemptTimeout, b.hedgeDelay, b.hedgeQuantile,
        b.retryRatio, b.hedgeRatio, counters);
    this.context = new CallContext(workers, policy, b.decodeExecutor, new StageClock(), b.describeTtl.toNanos());
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
    return new Table(context, requireNonNull(uri, "uri is null"), requireNonNull(keyColumn, "keyColumn is null"));
  }

  /** The workers this client was given: the static list, or the DNS {@code name:port}. */
  public List<String> workers() {
    return workers.configured();
  }

  /** Names of the workers currently taking requests (breaker closed, not held off or ejected), sorted. */
  public List<String> liveWorkers() {
    return workers.liveNames();
  }

  /** Names of the workers out of routing as outliers now (see {@link OutlierEjection}), sorted. */
  public List<String> ejectedWorkers() {
    return workers.ejectedNames();
  }

  /**
   * Where lookups' time went since the client was built, from the client's and the workers' own
   * clocks (see {@link LookupStages}).
   */
  public LookupStages stages() {
    return context.stageClock().snapshot();
  }

  /** Counters since the client was built. */
  public ClientStats stats() {
    return counters.snapshot();
  }

  @Override
  public void close() {
    workers.close();
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
    private OutlierEjection outlierEjection;
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

    /**
     * Take workers whose attempts fail or are slow far beyond the others' out of routing for a
     * while (see {@link OutlierEjection}; {@code OutlierEjection.defaults()} is a good start). Off
     * by default: a fleet of two cannot tell which one is the outlier.
     */
    public Builder outlierEjection(OutlierEjection settings) {
      this.outlierEjection = requireNonNull(settings, "settings is null");
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

    /**
     * Retries earned per successful request (0.2 by default), gRPC's retry throttling: each failed
     * request costs one of 20 tokens, each success earns {@code ratio}, and retries stop while
     * half or fewer are left. So retries stay at most about 10 plus {@code ratio} times the
     * successes, and stop in an outage. Retries wait a jittered backoff (up to 10 ms, doubling).
     */
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
