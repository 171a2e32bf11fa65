package io.needle.cli;

import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.needle.worker.ServerTls;
import io.needle.worker.TlsConfig;
import io.needle.worker.Worker;
import io.needle.worker.WorkerMetrics;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * HTTP probes and metrics for Kubernetes and Prometheus (plaintext, or TLS with {@code
 * --health-tls}), next to the binary protocol
 * (kubelets speak HTTP, TCP or gRPC, not Needle frames): {@code GET /livez} answers 200 while the
 * process serves, {@code GET /readyz} answers 200 while the worker takes requests and 503 once it
 * drains, so the pod leaves the Service endpoints before it stops; {@code GET /metrics} is every
 * meter in Prometheus text format (see {@link WorkerMetrics}, plus JVM memory, GC, CPU and file
 * descriptors).
 *
 * <p>Netty's HTTP codec on its own one-thread event loop group, so neither a slow scrape nor a
 * misbehaving client touches the lookup path, and no client can hold the endpoint: a connection
 * that sends nothing for {@link #READ_TIMEOUT_SECONDS} is closed, and a request longer than
 * {@link #MAX_REQUEST_BYTES} is refused.
 */
final class HealthEndpoint implements AutoCloseable {
  static final int READ_TIMEOUT_SECONDS = 10;
  static final int MAX_REQUEST_BYTES = 8192;

  private final EventLoopGroup group;
  private final Channel server;
  private final ServerTls tls;

  private HealthEndpoint(EventLoopGroup group, Channel server, ServerTls tls) {
    this.group = group;
    this.server = server;
    this.tls = tls;
  }

  /** Plaintext probes and metrics. */
  static HealthEndpoint start(String bindHost, int port, Worker worker) throws IOException {
    return start(bindHost, port, worker, (TlsConfig) null);
  }

  /**
   * With {@code tls}, the port speaks TLS only, with that certificate (reloaded when its files
   * change) and without asking for client certificates: kubelets probe HTTPS without verifying
   * or presenting one.
   */
  static HealthEndpoint start(String bindHost, int port, Worker worker, TlsConfig tls) throws IOException {
    ServerTls serverTls = tls == null ? null : ServerTls.start(tls);
    try {
      return bind(bindHost, port, worker, serverTls);
    } catch (IOException | RuntimeException e) {
      if (serverTls != null) {
        serverTls.close();
      }
      throw e;
    }
  }

  private static HealthEndpoint bind(String bindHost, int port, Worker worker, ServerTls tls) throws IOException {
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    WorkerMetrics.bind(worker, metrics);
    new JvmMemoryMetrics().bindTo(metrics);
    new JvmGcMetrics().bindTo(metrics);
    new ProcessorMetrics().bindTo(metrics);
    new FileDescriptorMetrics().bindTo(metrics);
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("needle-health", true),
        NioIoHandler.newFactory());
    try {
      Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              if (tls != null) {
                ch.pipeline().addLast(tls.newHandler(ch.alloc()));
              }
              ch.pipeline()
                  .addLast(new ReadTimeoutHandler(READ_TIMEOUT_SECONDS, TimeUnit.SECONDS))
                  .addLast(new HttpServerCodec(1024, MAX_REQUEST_BYTES, MAX_REQUEST_BYTES))
                  .addLast(new HttpObjectAggregator(MAX_REQUEST_BYTES))
                  .addLast(new Probes(worker, metrics));
            }
          })
          .bind(bindHost, port).sync().channel();
      return new HealthEndpoint(group, server, tls);
    } catch (InterruptedException e) {
      group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while binding the health port", e);
    } catch (RuntimeException e) {
      group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      throw e;
    }
  }

  int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  @Override
  public void close() {
    server.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    if (tls != null) {
      tls.close();
    }
  }

  /** True when the port speaks TLS. */
  boolean tls() {
    return tls != null;
  }

  /** Answers one request at a time per connection; every request is already complete here. */
  private static final class Probes extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final Worker worker;
    private final PrometheusMeterRegistry metrics;

    Probes(Worker worker, PrometheusMeterRegistry metrics) {
      this.worker = worker;
      this.metrics = metrics;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      if (!request.decoderResult().isSuccess()) {
        answer(ctx, request, HttpResponseStatus.BAD_REQUEST, "malformed request", false);
        return;
      }
      String path = request.uri();
      int query = path.indexOf('?');
      path = query < 0 ? path : path.substring(0, query);
      if (request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
        answer(ctx, request, HttpResponseStatus.METHOD_NOT_ALLOWED, "GET only", HttpUtil.isKeepAlive(request));
        return;
      }
      boolean keepAlive = HttpUtil.isKeepAlive(request);
      switch (path) {
        case "/livez" -> answer(ctx, request, HttpResponseStatus.OK, "live " + worker.name(), keepAlive);
        case "/readyz" -> {
          boolean ready = !worker.draining();
          answer(ctx, request, ready ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
              (ready ? "ready " : "draining ") + worker.name() + " in_flight=" + worker.inFlight(), keepAlive);
        }
        case "/metrics" -> answer(ctx, request, HttpResponseStatus.OK, metrics.scrape(), keepAlive);
        default -> answer(ctx, request, HttpResponseStatus.NOT_FOUND, "not found: try /livez, /readyz, /metrics",
            keepAlive);
      }
    }

    private static void answer(ChannelHandlerContext ctx, FullHttpRequest request, HttpResponseStatus status,
        String body, boolean keepAlive) {
      byte[] bytes = (body.endsWith("\n") ? body : body + "\n").getBytes(StandardCharsets.UTF_8);
      FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
          request.method() == HttpMethod.HEAD ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes));
      response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
      response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
      HttpUtil.setKeepAlive(response, keepAlive);
      var written = ctx.writeAndFlush(response);
      if (!keepAlive) {
        written.addListener(ChannelFutureListener.CLOSE);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close(); // read timeouts and resets: nothing to tell an operator
    }
  }
}
