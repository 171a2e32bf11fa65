package io.needle.worker;

import io.needle.metadata.MetadataCache;
import io.needle.protocol.FrameDecoder;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
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
  private final ExecutorService loader;
  private final LocalTables tables;
  private final Channel server;
  private final boolean epoll;

  private Worker(EventLoopGroup group, ExecutorService loader, LocalTables tables, Channel server, boolean epoll) {
    this.group = group;
    this.loader = loader;
    this.tables = tables;
    this.server = server;
    this.epoll = epoll;
  }

  /** Binds and starts serving; returns once the port accepts connections. */
  public static Worker start(WorkerConfig config) throws IOException, InterruptedException {
    boolean epoll = switch (config.transport()) {
      case EPOLL -> {
        Epoll.ensureAvailability();
        yield true;
      }
      case NIO -> false;
      case AUTO -> Epoll.isAvailable();
    };
    ExecutorService loader = loaderExecutor(config.loaderThreads());
    TableScope scope = new TableScope(config.roots());
    LocalTables tables = new LocalTables(scope, config, loader);
    MetadataCache metadata = new MetadataCache(config.metadata(), loader);
    TableService service = new TableService(scope, tables, metadata, config, loader);

    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(Math.max(1, Runtime.getRuntime().availableProcessors()), io);
    Class<? extends ServerChannel> channelClass = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    try {
      Channel server = new ServerBootstrap()
          .group(group)
          .channel(channelClass)
          .option(ChannelOption.SO_BACKLOG, 1024)
          .childOption(ChannelOption.TCP_NODELAY, true)
          .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 << 10, 1 << 20))
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              ch.pipeline()
                  .addLast("frames", new FrameDecoder(config.maxRequestFrameBytes()))
                  .addLast("requests", new RequestHandler(service, config.maxInFlightPerConnection()));
            }
          })
          .bind(config.bindHost(), config.port())
          .sync()
          .channel();
      log.info("worker listening on {} ({}), roots {}", server.localAddress(), epoll ? "epoll" : "nio", scope.roots());
      return new Worker(group, loader, tables, server, epoll);
    } catch (InterruptedException | RuntimeException e) {
      group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      loader.shutdownNow();
      throw e;
    }
  }

  /** The bound address (with the real port when 0 was configured). */
  public InetSocketAddress address() {
    return (InetSocketAddress) server.localAddress();
  }

  /** True when the native epoll transport serves, false for NIO. */
  public boolean usesEpoll() {
    return epoll;
  }

  /** Stops accepting, closes connections, and releases open files. */
  @Override
  public void close() {
    server.close().syncUninterruptibly();
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    loader.shutdownNow();
    tables.close();
  }

  private static ExecutorService loaderExecutor(int threads) {
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
