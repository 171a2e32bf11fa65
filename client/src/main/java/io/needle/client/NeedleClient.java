package io.needle.client;

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

import static java.util.Objects.requireNonNull;

/**
 * The entry point applications embed: connections to Needle workers and the tables behind them.
 *
 * <pre>{@code
 * try (NeedleClient client = NeedleClient.builder().workers(List.of("127.0.0.1:7070")).build()) {
 *   Table users = client.table("file:///data/users", "user_id");
 *   List<Row> rows = users.lookup(42L, List.of("country", "score"));
 * }
 * }</pre>
 *
 * Thread-safe; create one per process and share it. Pages are decoded on the calling thread for
 * the blocking methods and on the decode executor for the asynchronous ones.
 */
public final class NeedleClient implements AutoCloseable {
  private final List<String> workers;
  private final Duration requestTimeout;
  private final Duration connectTimeout;
  private final Duration describeTtl;
  private final int maxResponseFrameBytes;
  private final Executor decodeExecutor;
  private final EventLoopGroup group;
  private final Bootstrap bootstrap;
  private final Map<String, CompletableFuture<Connection>> connections = new ConcurrentHashMap<>();

  private NeedleClient(Builder b) {
    this.workers = List.copyOf(b.workers);
    this.requestTimeout = b.requestTimeout;
    this.connectTimeout = b.connectTimeout;
    this.describeTtl = b.describeTtl;
    this.maxResponseFrameBytes = b.maxResponseFrameBytes;
    this.decodeExecutor = b.decodeExecutor;
    boolean epoll = Epoll.isAvailable();
    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    this.group = new MultiThreadIoEventLoopGroup(1, io);
    this.bootstrap = new Bootstrap().group(group).channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class);
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

  /** The workers this client talks to, as given to the builder. */
  public List<String> workers() {
    return workers;
  }

  @Override
  public void close() {
    for (CompletableFuture<Connection> c : connections.values()) {
      c.thenAccept(Connection::close);
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  Duration describeTtl() {
    return describeTtl;
  }

  Executor decodeExecutor() {
    return decodeExecutor;
  }

  /**
   * Sends one request. Routing across several workers belongs to the membership layer; until it
   * exists every request goes to the first worker.
   */
  CompletableFuture<Reply> call(Request.Builder request) {
    String worker = workers.get(0);
    return connection(worker).thenCompose(c -> c.call(request, requestTimeout));
  }

  private CompletableFuture<Connection> connection(String worker) {
    CompletableFuture<Connection> existing = connections.get(worker);
    if (existing != null && (!existing.isDone() || usable(existing))) {
      return existing;
    }
    CompletableFuture<Connection> fresh = open(worker);
    if (existing == null ? connections.putIfAbsent(worker, fresh) != null : !connections.replace(worker, existing, fresh)) {
      fresh.thenAccept(Connection::close);
      return connections.get(worker);
    }
    return fresh;
  }

  private static boolean usable(CompletableFuture<Connection> f) {
    return !f.isCompletedExceptionally() && f.join().isActive();
  }

  private CompletableFuture<Connection> open(String worker) {
    int colon = worker.lastIndexOf(':');
    String host = worker.substring(0, colon);
    int port = Integer.parseInt(worker.substring(colon + 1));
    return Connection.open(bootstrap, host, port, maxResponseFrameBytes, connectTimeout);
  }

  /** Configures a {@link NeedleClient}. */
  public static final class Builder {
    private final List<String> workers = new ArrayList<>();
    private Duration requestTimeout = Duration.ofSeconds(10);
    private Duration connectTimeout = Duration.ofSeconds(3);
    private Duration describeTtl = Duration.ofSeconds(30);
    private int maxResponseFrameBytes = 512 << 20;
    private Executor decodeExecutor = ForkJoinPool.commonPool();

    private Builder() {}

    /** Workers as {@code host:port}; at least one. */
    public Builder workers(List<String> hostPorts) {
      for (String hp : hostPorts) {
        int colon = hp.lastIndexOf(':');
        if (colon <= 0 || colon == hp.length() - 1) {
          throw new IllegalArgumentException("worker address is not host:port: " + hp);
        }
        try {
          int port = Integer.parseInt(hp.substring(colon + 1));
          if (port <= 0 || port > 65535) {
            throw new IllegalArgumentException("worker port out of range: " + hp);
          }
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("worker port is not a number: " + hp, e);
        }
        workers.add(hp);
      }
      return this;
    }

    /** Time a call may take, sent to the worker as its deadline; zero means none. */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = nonNegative(timeout, "requestTimeout");
      return this;
    }

    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = nonNegative(timeout, "connectTimeout");
      return this;
    }

    /** How long a table's file list and schemas are trusted before being fetched again. */
    public Builder describeTtl(Duration ttl) {
      this.describeTtl = nonNegative(ttl, "describeTtl");
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

    public NeedleClient build() {
      if (workers.isEmpty()) {
        throw new IllegalStateException("no workers configured");
      }
      return new NeedleClient(this);
    }

    private static Duration nonNegative(Duration d, String name) {
      requireNonNull(d, name + " is null");
      if (d.isNegative()) {
        throw new IllegalArgumentException(name + " is negative: " + d);
      }
      return d;
    }
  }
}
