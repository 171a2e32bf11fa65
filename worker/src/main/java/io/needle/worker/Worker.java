package io.needle.worker;

import io.needle.metadata.MetadataCache;
import io.needle.pagestore.PageStore;
import io.needle.pagestore.PageStoreConfig;
import io.needle.pagestore.PageStoreStats;
import io.needle.protocol.FrameDecoder;
import io.needle.worker.hooks.TestHooks;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Needle cache worker: a Netty server answering lookups on the tables under its roots.
 *
 * <pre>{@code
 * try (Worker worker = Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(dir)))) {
 *   InetSocketAddress address = worker.address();
 * }
 * }</pre>
 */
public final class Worker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Worker.class);

  private final EventLoopGroup group;
  private final PageCache pages;
  private final ExecutorService loader;
  private final LocalTables tables;
  private final Channel server;
  private final Channel tlsServer; // server itself when TLS only, a second port, or null
  private final ChannelGroup connections;
  private final boolean epoll;
  private final WorkerStatus status;
  private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

  private final S3Tables s3Tables;
  private final S3RequestCounter s3Requests;
  private final Meters meters;
  private final LocalCalls localCalls;
  private final TableService service;
  private final java.util.List<Channel> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final ConnectionGuard guard;
  private final Repager repager;
  private final KeyIndexes keyIndexes;
  private final LoopLag loopLag;
  private final WorkerSecurity security;
  private final HttpAuth httpAuth; // null without an AuthConfig
  /** Heap bound on the key indexes' in-heap parts (fences); their blocks are in the page store. */
  private static final long KEY_INDEX_HEAP_BYTES = 32L << 20;

  /** The worker's meters: registered on {@code registry}, which {@link WorkerMetrics#bind} exports. */
  record Meters(CompositeMeterRegistry registry, RequestMetrics requests, MetadataCache metadata) {}

  /** @param group, server, connections null for an in-process worker */
  private Worker(EventLoopGroup group, ExecutorService loader, LocalTables tables, Channel server, Channel tlsServer,
      ChannelGroup connections, boolean epoll, WorkerStatus status, PageCache pages, S3Tables s3Tables,
      S3RequestCounter s3Requests, Meters meters, TableService service, ConnectionGuard guard, Repager repager,
      KeyIndexes keyIndexes, WorkerSecurity security, LoopLag loopLag) {
    this.loopLag = loopLag;
    this.keyIndexes = keyIndexes;
    this.security = security;
    this.httpAuth = security.auth() == null ? null : new HttpAuth(security.auth(), status.name());
    this.meters = meters;
    this.tlsServer = tlsServer;
    this.localCalls = new LocalCalls(service, status);
    this.service = service;
    this.guard = guard;
    this.repager = repager;
    this.connections = connections;
    this.s3Tables = s3Tables;
    this.s3Requests = s3Requests;
    this.pages = pages;
    this.group = group;
    this.loader = loader;
    this.tables = tables;
    this.server = server;
    this.epoll = epoll;
    this.status = status;
  }

  /** Binds and starts serving, pages straight from the source files; returns once the port accepts connections. */
  public static Worker start(WorkerConfig config) throws IOException, InterruptedException {
    return start(config, null);
  }

  /**
   * Binds and starts serving with a page store: pages are kept on local disk, leave zero-copy
   * from it with their CRC32C, and misses are read from the source once and stored.
   *
   * @param pageStore the store's directory and size, or null for none
   * @throws io.needle.pagestore.PageStoreLockedException when another worker holds the cache directory
   */
  public static Worker start(WorkerConfig config, PageStoreConfig pageStore) throws IOException, InterruptedException {
    return start(config, pageStore, null);
  }

  /**
   * Binds and starts serving local tables and, when {@code s3} is given, tables under its
   * {@code s3://} roots. S3 tables always go through the page store: pages are fetched with
   * ranged GETs pinned to the listed ETag and stored, so a page is fetched from S3 once.
   *
   * @param pageStore required when {@code s3} is given
   * @param s3 how to reach S3 and which roots to serve, or null for local tables only
   * @throws IllegalArgumentException when {@code s3} is given without a page store
   */
  public static Worker start(WorkerConfig config, PageStoreConfig pageStore, S3Config s3)
      throws IOException, InterruptedException {
    return start(config, pageStore, s3, WorkerSecurity.none(), RepagingConfig.defaults());
  }

  /**
   * As {@link #start(WorkerConfig, PageStoreConfig, S3Config)}, with chunks whose pages are too
   * big to ship for one row re-paged into small pages in the page store as {@code repaging} says
   * (nothing is re-paged without a page store).
   */
  public static Worker start(WorkerConfig config, PageStoreConfig pageStore, S3Config s3, RepagingConfig repaging)
      throws IOException, InterruptedException {
    return start(config, pageStore, s3, WorkerSecurity.none(), repaging);
  }

  /**
   * Binds and starts serving as above, with TLS and client authentication as {@code security}
   * says: the TLS port (the worker's own, or a second one) installs the TLS handler first in
   * every connection's pipeline, and with an {@link AuthConfig} every request is checked.
   */
  public static Worker start(WorkerConfig config, PageStoreConfig pageStore, S3Config s3, WorkerSecurity security)
      throws IOException, InterruptedException {
    return start(config, pageStore, s3, security, RepagingConfig.defaults());
  }

  /** Binds and starts serving with everything given: TLS and authentication, and re-paging. */
  public static Worker start(WorkerConfig config, PageStoreConfig pageStore, S3Config s3, WorkerSecurity security,
      RepagingConfig repaging) throws IOException, InterruptedException {
    return start(config, pageStore, s3, security, repaging, TestHooks.NONE);
  }

  /**
   * As above, with faults injected by a test or benchmark that starts the worker in its own JVM
   * ({@link TestHooks}); never called by production code.
   */
  public static Worker start(WorkerConfig config, PageStoreConfig pageStore, S3Config s3, WorkerSecurity security,
      RepagingConfig repaging, TestHooks hooks) throws IOException, InterruptedException {
    java.util.Objects.requireNonNull(repaging, "repaging is null");
    java.util.Objects.requireNonNull(hooks, "hooks is null");
    boolean epoll = switch (config.transport()) {
      case EPOLL -> {
        Epoll.ensureAvailability();
        yield true;
      }
      case NIO -> false;
      case AUTO -> Epoll.isAvailable();
    };
    Engine engine = Engine.build(config, pageStore, s3, repaging, hooks);
    ExecutorService loader = engine.loader();
    TableScope scope = engine.scope();
    LocalTables tables = engine.tables();
    PageCache pages = engine.pages();
    S3RequestCounter s3Requests = engine.s3Requests();
    S3Tables s3Tables = engine.s3Tables();
    TableService service = engine.service();
    Meters meters = engine.meters();
    Repager repager = engine.repager();
    KeyIndexes keyIndexes = engine.keyIndexes();
    ServerLimits limits = config.limits();
    ConnectionGuard guard = new ConnectionGuard(limits);
    warnIfOverFileLimit(limits, config.maxOpenFiles());

    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(Math.max(1, Runtime.getRuntime().availableProcessors()), io);
    LoopLag loopLag = new LoopLag();
    loopLag.watch(group);
    Class<? extends ServerChannel> channelClass = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    WorkerStatus status = new WorkerStatus(); // named once the port is known
    // Every accepted connection, so that close() closes them itself: shutting the event loops
    // down was seen to leave an accepted connection open, and a client then waited on it.
    ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    long lookupDelayNanos = hooks.lookupDelay().toNanos();
    Channel server = null;
    try {
      ServerBootstrap bootstrap = new ServerBootstrap()
          .group(group)
          .channel(channelClass)
          .option(ChannelOption.SO_BACKLOG, 1024)
          .option(ChannelOption.SO_REUSEADDR, true) // a restarted worker takes its port back despite TIME_WAIT
          .childOption(ChannelOption.TCP_NODELAY, true)
          .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 << 10, 1 << 20));
      java.util.function.Function<ServerTls, ChannelInitializer<SocketChannel>> pipeline = tls ->
          new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              if (!guard.admit(ch)) {
                return;
              }
              connections.add(ch);
              if (tls != null) {
                ch.pipeline().addLast("tls", tls.newHandler(ch.alloc()));
              }
              RequestHandler requests = new RequestHandler(service, config.maxInFlightPerConnection(), limits, guard,
                  status, lookupDelayNanos, meters.requests(), tls != null, security.auth());
              ch.pipeline()
                  .addLast("idle", new IdleStateHandler(limits.idleTimeout().toNanos(), 0, 0, TimeUnit.NANOSECONDS))
                  .addLast("write-stall", new WriteStallGuard(limits.writeStallTimeout()))
                  .addLast("frames", new FrameDecoder(config.maxRequestFrameBytes(), requests))
                  .addLast("requests", requests);
            }
          };
      server = bootstrap.clone().childHandler(pipeline.apply(security.tlsOnMainPort() ? security.tls() : null))
          .bind(config.bindHost(), config.port()).sync().channel();
      Channel tlsServer = security.tls() == null ? null : security.tlsOnMainPort() ? server
          : bootstrap.clone().childHandler(pipeline.apply(security.tls()))
              .bind(config.bindHost(), security.tlsPort()).sync().channel();
      InetSocketAddress bound = (InetSocketAddress) server.localAddress();
      status.name(config.name().isEmpty() ? bound.getHostString() + ":" + bound.getPort() : config.name());
      log.debug("worker listening on {} ({}{}), roots {}", server.localAddress(), epoll ? "epoll" : "nio",
          security.tlsOnMainPort() ? ", TLS only" : tlsServer != null ? ", TLS on " + tlsServer.localAddress() : ", plaintext",
          scope.roots());
      if (security.auth() != null) {
        log.info("clients authenticate: {} tokens, {} grants, everything else denied",
            security.auth().config().tokens().size(), security.auth().config().policy().grants().size());
      }
      if (!hooks.lookupDelay().isZero()) {
        log.warn("test hook on: every lookup is delayed by {}", hooks.lookupDelay());
      }
      if (s3Tables != null) {
        log.debug("serving S3 roots {}", s3.roots());
      }
      return new Worker(group, loader, tables, server, tlsServer, connections, epoll, status, pages, s3Tables, s3Requests,
          meters, service, guard, repager, keyIndexes, security, loopLag);
    } catch (Exception e) { // also a bind failure, which Netty rethrows undeclared (port in use)
      if (server != null) {
        server.close();
      }
      group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      loader.shutdownNow();
      if (repager != null) {
        repager.close();
      }
      if (keyIndexes != null) {
        keyIndexes.close();
      }
      if (s3Tables != null) {
        s3Tables.close();
      }
      if (pages != null) {
        pages.close();
      }
      throw e;
    }
  }

  /**
   * A worker without a socket or event loops that answers only {@link #call}s from this process
   * (embedded mode): the same tables, metadata cache, page store and S3 reads as {@link #start}.
   * Its name is the configured one, else {@code in-process}.
   */
  public static Worker startInProcess(WorkerConfig config, PageStoreConfig pageStore, S3Config s3) throws IOException {
    Engine engine = Engine.build(config, pageStore, s3, RepagingConfig.defaults(), TestHooks.NONE);
    WorkerStatus status = new WorkerStatus();
    status.name(config.name().isEmpty() ? "in-process" : config.name());
    return new Worker(null, engine.loader(), engine.tables(), null, null, null, false, status, engine.pages(),
        engine.s3Tables(), engine.s3Requests(), engine.meters(), engine.service(), new ConnectionGuard(config.limits()),
        engine.repager(), engine.keyIndexes(), WorkerSecurity.none(), new LoopLag());
  }

  /**
   * Serves {@code request} in this process, as if it had come over a connection: the response
   * frame (header, then the answer's pages copied) completes on this thread when the caches
   * hold everything, else on the loader executor. The caller releases the frame.
   */
  public java.util.concurrent.CompletableFuture<io.needle.protocol.Frame> call(io.needle.protocol.proto.Request request) {
    if (closed.get()) {
      return java.util.concurrent.CompletableFuture.failedFuture(new IllegalStateException("worker is closed"));
    }
    return localCalls.call(request);
  }

  /**
   * Binds another listener on this worker's event loops and transport (e.g. the HTTP port);
   * {@code initializer} builds each accepted connection's pipeline. Closed with the worker.
   *
   * @throws IllegalStateException for an in-process worker, which has no event loops
   */
  public Channel listen(String host, int port, ChannelInitializer<SocketChannel> initializer)
      throws InterruptedException {
    return listen(host, port, false, initializer);
  }

  /**
   * As {@link #listen(String, int, ChannelInitializer)}; with {@code tls}, every connection
   * speaks TLS with the worker's certificate and client CA (reloaded with them), its handler
   * first in the pipeline, and plaintext is refused.
   *
   * @throws IllegalStateException for an in-process worker, or {@code tls} on a worker without TLS
   */
  public Channel listen(String host, int port, boolean tls, ChannelInitializer<SocketChannel> initializer)
      throws InterruptedException {
    if (group == null) {
      throw new IllegalStateException("an in-process worker has no event loops to listen on");
    }
    ServerTls serverTls = security.tls();
    if (tls && serverTls == null) {
      throw new IllegalStateException("TLS asked for on port " + port + ", but the worker has no certificate");
    }
    Channel channel = new ServerBootstrap()
        .group(group)
        .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
        .option(ChannelOption.SO_BACKLOG, 1024)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            if (!guard.admit(ch)) { // one connection cap for every port of the worker
              return;
            }
            connections.add(ch);
            if (tls) {
              ch.pipeline().addLast("tls", serverTls.newHandler(ch.alloc()));
            }
            ch.pipeline().addLast(initializer);
          }
        })
        .bind(host, port)
        .sync()
        .channel();
    listeners.add(channel);
    return channel;
  }

  /** The bound address (with the real port when 0 was configured). */
  public InetSocketAddress address() {
    if (server == null) {
      throw new IllegalStateException("an in-process worker has no address");
    }
    return (InetSocketAddress) server.localAddress();
  }

  /**
   * Where TLS is served: the worker's own address when it is TLS only, the second port when
   * plaintext is served too, null without TLS.
   */
  public InetSocketAddress tlsAddress() {
    return tlsServer != null ? (InetSocketAddress) tlsServer.localAddress() : null;
  }

  /**
   * The worker's client authentication for its HTTP ports (the lookup port's tokens and grants),
   * or null when it authenticates no one.
   */
  public HttpAuth httpAuth() {
    return httpAuth;
  }

  /** The worker's TLS context (for its other ports), or null without TLS. */
  public ServerTls tls() {
    return security.tls();
  }

  /** True when the native epoll transport serves, false for NIO. */
  public boolean usesEpoll() {
    return epoll;
  }

  /** The stable name this worker reports to clients (config name, or bind address:port). */
  public String name() {
    return status.name();
  }

  /** Requests being served right now over all connections. */
  public int inFlight() {
    return status.inFlight();
  }

  /** Lookup connections open now (each counted against {@link ServerLimits#maxConnections()}). */
  public int openConnections() {
    return guard.openConnections();
  }

  /** Connections closed at once because a connection cap was reached. */
  public long refusedConnections() {
    return guard.refusedConnections();
  }

  /** Bytes of request frames buffered over all connections (partial frames, frames waiting). */
  public long bufferedRequestBytes() {
    return guard.bufferedBytes();
  }

  /** Requests whose queued work was dropped, not run: deadline passed or connection closed. */
  public long droppedRequests() {
    return status.droppedRequests();
  }

  /** True once {@link #drain} has begun: health reports not ready (requests are served until its delay ends). */
  public boolean draining() {
    return status.draining();
  }

  /**
   * Distinct file versions this worker has answered lookups for, each as
   * {@code canonicalPath + "\n" + version} (at most 100,000): with rendezvous routing, each file
   * version appears on exactly one worker of a healthy cluster.
   */
  public java.util.Set<String> servedFileVersions() {
    return status.servedFileVersions();
  }

  /** {@link #drain(java.time.Duration, java.time.Duration)} without a delay: refuses new requests at once. */
  public int drain(java.time.Duration grace) throws InterruptedException {
    return drain(java.time.Duration.ZERO, grace);
  }

  /**
   * Graceful shutdown (SIGTERM): report not ready at once (health RPC, {@code /readyz}) but keep
   * serving for {@code delay}, because load balancers, Kubernetes endpoints and clients' membership
   * refreshes learn of it only after a while and would otherwise send requests into refusals; then
   * stop accepting connections on every port (the lookup port, its TLS port, and those bound with
   * {@link #listen}: the HTTP port), answer new requests on open connections with UNAVAILABLE
   * (clients fail over to the next owner; HTTP calls get 503), let in-flight requests finish for
   * at most {@code grace}, then {@link #close}. Returns the number of requests still in flight when the grace period ran out
   * (0 for a clean drain).
   */
  public int drain(java.time.Duration delay, java.time.Duration grace) throws InterruptedException {
    status.startDraining();
    if (!delay.isZero() && !delay.isNegative()) {
      Thread.sleep(delay.toMillis());
    }
    status.startRefusing();
    if (server != null) {
      server.close().syncUninterruptibly();
    }
    if (tlsServer != null) {
      tlsServer.close().syncUninterruptibly();
    }
    for (Channel listener : listeners) {
      listener.close().syncUninterruptibly();
    }
    long deadline = System.nanoTime() + grace.toNanos();
    while (status.inFlight() > 0 && System.nanoTime() - deadline < 0) {
      Thread.sleep(10);
    }
    int left = status.inFlight();
    if (left > 0) {
      log.warn("drain of {} ended with {} requests still in flight after {}", status.name(), left, grace);
    }
    close();
    return left;
  }

  /** Stops accepting, closes connections, and releases open files. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return; // idempotent: drain() ends in close(), and owners close again
    }
    if (server != null) {
      server.close().syncUninterruptibly();
      if (tlsServer != null) {
        tlsServer.close().syncUninterruptibly();
      }
      for (Channel listener : listeners) {
        listener.close().syncUninterruptibly();
      }
      connections.close().awaitUninterruptibly();
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
    loader.shutdownNow();
    if (repager != null) {
      repager.close(); // before the store closes: no re-paged page is being written any more
    }
    if (keyIndexes != null) {
      keyIndexes.close();
    }
    tables.close();
    if (s3Tables != null) {
      s3Tables.close();
    }
    if (pages != null) {
      pages.close(); // after the event loops: no send from the store is in flight any more
    }
  }

  /** Iceberg snapshot loads this worker started (metadata file, manifests, deletes), over all tables. */
  public long icebergSnapshotLoads() {
    return service.icebergSnapshotLoads();
  }

  /** Ranged GETs this worker sent to S3 (SDK retries not counted separately). */
  public long s3GetRequests() {
    return s3Requests.gets();
  }

  /** ListObjectsV2 pages this worker requested from S3. */
  public long s3ListRequests() {
    return s3Requests.lists();
  }

  /** Lookups answered since start, with pages or with an error. */
  public long lookupsServed() {
    return meters.requests().lookups();
  }

  /** Requests answered with an error since start. */
  public long errorsAnswered() {
    return meters.requests().errors();
  }

  /** Client connections open now. */
  public int connections() {
    return connections.size();
  }

  /** Local file versions held open for zero-copy sends now (bounded by maxOpenFiles). */
  public long openFiles() {
    return tables.openFileCount();
  }

  Meters meters() {
    return meters;
  }

  /** The metadata cache's hits, loads and the heap bytes it estimates it holds now. */
  public io.needle.metadata.MetadataCacheStats metadataStats() {
    return meters.metadata().stats();
  }

  /**
   * Derived metadata records (walked page tables, key column states) offered to the page store, 0
   * without one: entries of the store that are not pages of a file.
   */
  public long derivedRecordsSaved() {
    return pages == null ? 0 : pages.derivedState().saved();
  }

  /** Pages read from the source files to fill the page store (misses, single-flight), 0 without one. */
  public long pagesReadFromSource() {
    return pages == null ? 0 : pages.sourceReads();
  }

  /** What re-paging did so far; all zero when it is off or there is no page store. */
  public RepagingStats repagingStats() {
    return repager == null ? RepagingStats.NONE : repager.stats();
  }

  /** Completes when the re-paging under way now has ended (for tests and benchmarks). */
  public java.util.concurrent.CompletableFuture<Void> repagingIdle() {
    return repager == null ? java.util.concurrent.CompletableFuture.completedFuture(null) : repager.idle();
  }

  /** Key indexes this worker built, 0 without a page store. */
  public long keyIndexesBuilt() {
    return keyIndexes == null ? 0 : keyIndexes.built();
  }

  /** Nanoseconds this worker spent building key indexes. */
  public long keyIndexBuildNanos() {
    return keyIndexes == null ? 0 : keyIndexes.buildNanos();
  }

  /** What key indexing did so far; all zero without a page store. */
  public KeyIndexStats keyIndexStats() {
    return keyIndexes == null ? KeyIndexStats.NONE : keyIndexes.stats();
  }

  /**
   * The longest an event loop was kept from its sockets (its heartbeat's lateness, {@link LoopLag})
   * since the start or {@link #resetMaxLoopLag}; zero for an in-process worker.
   */
  public java.time.Duration maxLoopLag() {
    return java.time.Duration.ofNanos(loopLag.maxNanos());
  }

  /** Starts {@link #maxLoopLag} over, e.g. once a test's fault is in place. */
  public void resetMaxLoopLag() {
    loopLag.reset();
  }

  /** How the page store's hits were read while its disk was slow (T05), or null without a store. */
  public StoreReadStats storeReadStats() {
    if (pages == null) {
      return null;
    }
    StoreReads reads = pages.reads();
    return new StoreReadStats(reads.slow(), reads.slowEpisodes(), reads.slowReads(), reads.copiedOffLoop(),
        reads.toSource());
  }

  /** The page store's counters (hits, misses, bytes, evictions, corrupt pages, ...), or null without one. */
  public PageStoreStats pageStoreStats() {
    return pages == null ? null : pages.stats();
  }

  /** What serves requests, with or without a socket: tables, metadata, pages, S3. */
  private record Engine(ExecutorService loader, TableScope scope, LocalTables tables, PageCache pages,
      S3RequestCounter s3Requests, S3Tables s3Tables, TableService service, Meters meters, Repager repager,
      KeyIndexes keyIndexes) {
    static Engine build(WorkerConfig config, PageStoreConfig pageStore, S3Config s3, RepagingConfig repaging,
        TestHooks hooks) throws IOException {
      if (config.roots().isEmpty() && s3 == null) {
        throw new IllegalArgumentException("at least one root is required (a directory, or an s3:// root)");
      }
      if (s3 != null && pageStore == null) {
        throw new IllegalArgumentException("S3 tables need a page store: give a cache directory (--cache-dir)");
      }
      ThreadPoolExecutor loader = loaderExecutor(config.loaderThreads());
      java.util.List<S3Location> s3Roots = new java.util.ArrayList<>();
      if (s3 != null) {
        for (java.net.URI root : s3.roots()) {
          s3Roots.add(S3Location.parseRoot(root.toString()));
        }
      }
      TableScope scope = new TableScope(config.roots(), s3Roots);
      LocalTables tables = new LocalTables(scope, config, loader);
      PageCache pages = pageStore == null ? null : new PageCache(hooks.storeReads() == null ? PageStore.open(pageStore)
          : PageStore.open(pageStore, hooks.storeReads()), loader);
      // Derived metadata (walked page tables) and key indexes live in the page store, so they
      // survive restarts on the same cache directory; without one, lookups plan from statistics.
      MetadataCache metadata = pages == null ? new MetadataCache(config.metadata(), loader)
          : new MetadataCache(config.metadata(), loader, pages.derivedState());
      KeyIndexes keyIndexes = pages == null ? null
          : new KeyIndexes(metadata, pages.store(), KeyIndex.ByteHash.XXHASH64, KEY_INDEX_HEAP_BYTES,
              pages.reads()::slow);
      CompositeMeterRegistry registry = new CompositeMeterRegistry();
      Meters meters = new Meters(registry, new RequestMetrics(registry), metadata);
      S3RequestCounter s3Requests = new S3RequestCounter(registry);
      S3Tables s3Tables = s3 == null ? null
          : new S3Tables(scope, S3Clients.create(s3), s3, config, metadata, loader, s3Requests);
      Repager repager = pages == null || !repaging.enabled() ? null : new Repager(repaging, pages.store(), metadata);
      TableService service = new TableService(scope, tables, metadata, config,
          new LoaderQueue(loader, config.limits().maxQueuedLoads()), pages, s3Tables, repager, keyIndexes);
      return new Engine(loader, scope, tables, pages, s3Requests, s3Tables, service, meters, repager, keyIndexes);
    }
  }

  /**
   * Accepting over the process's descriptor limit fails, and Netty then pauses accepting for a
   * second each time: every client waits. The connection cap keeps the worker below that limit,
   * if it is set low enough; say so at start when it is not.
   */
  private static void warnIfOverFileLimit(ServerLimits limits, int maxOpenFiles) {
    if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.UnixOperatingSystemMXBean os) {
      long needed = (long) limits.maxConnections() + maxOpenFiles + 256; // + page store, jars, epoll
      if (needed > os.getMaxFileDescriptorCount()) {
        log.warn("the connection cap ({}) plus open files ({}) can exceed the descriptor limit ({}): lower "
            + "--max-connections or raise ulimit -n", limits.maxConnections(), maxOpenFiles, os.getMaxFileDescriptorCount());
      }
    }
  }

  private static ThreadPoolExecutor loaderExecutor(int threads) {
    AtomicInteger n = new AtomicInteger();
    ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), r -> {
          Thread t = new Thread(r, "needle-loader-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }
}
