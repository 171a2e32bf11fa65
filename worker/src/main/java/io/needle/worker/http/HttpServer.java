package io.needle.worker.http;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.needle.client.NeedleClient;
import io.needle.client.NeedleException;
import io.needle.client.Table;
import io.needle.worker.HttpAuth;
import io.needle.worker.Worker;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.ReadTimeoutHandler;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static java.util.Objects.requireNonNull;

/**
 * The worker's HTTP/JSON port: {@code POST /v1/lookup} and Feast's {@code POST
 * /get-online-features}, served by Netty's HTTP codec on the worker's own event loops.
 *
 * <p>Every call goes through a {@link NeedleClient}, the Java client's one call pipeline, so an
 * HTTP answer is the Java client's answer by construction: the same routing (rendezvous over the
 * cluster's members), failover, merge order and decoders. Alone, the client reaches this worker
 * in-process ({@link Worker#call}: no socket, pages copied once); in a cluster it is given the
 * cluster's members and sends each file to its owner, this worker included. Why not forward raw
 * pages: the client already does exactly that routing and merging, tested; a second router in the
 * worker would be a near-copy.
 *
 * <p>Security follows the worker's: with {@link HttpConfig#tls} the port speaks TLS with the
 * worker's certificate and client CA (plaintext refused), and a worker with an {@link
 * io.needle.worker.AuthConfig} authenticates every request (a bearer token, else the client
 * certificate: 401 without either) and checks every table against the same grants (403).
 *
 * <p>Threading: the event loops parse HTTP, check the method, path, content type and body size,
 * and write answers; lookups, decoding and JSON writing run on a bounded pool of lookup threads
 * (synchronous client calls there), so the loops never wait.
 */
public final class HttpServer implements AutoCloseable {
  private final Channel channel;
  private final ThreadPoolExecutor executor;
  private final NeedleClient client;

  private HttpServer(Channel channel, ThreadPoolExecutor executor, NeedleClient client) {
    this.channel = channel;
    this.executor = executor;
    this.client = client;
  }

  /**
   * Binds the HTTP port on {@code worker}'s event loops. Takes over {@code client} (closed with
   * this server): for a lone worker, {@link #inProcessClient}; in a cluster, a client of every
   * worker.
   */
  public static HttpServer start(Worker worker, HttpConfig config, FeatureViews views, NeedleClient client)
      throws InterruptedException {
    requireNonNull(views, "views is null");
    AtomicInteger n = new AtomicInteger();
    ThreadPoolExecutor executor = new ThreadPoolExecutor(config.lookupThreads(), config.lookupThreads(), 30,
        TimeUnit.SECONDS, new ArrayBlockingQueue<>(config.queuedCalls()), r -> {
          Thread t = new Thread(r, "needle-http-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    executor.allowCoreThreadTimeOut(true);
    Cache<TableKey, Table> tables = Caffeine.newBuilder().maximumSize(1_000).build();
    java.util.function.BiFunction<String, String, Table> table =
        (uri, keyColumn) -> tables.get(new TableKey(uri, keyColumn), k -> client.table(k.uri(), k.keyColumn()));
    Map<String, Endpoint> routes = new LinkedHashMap<>();
    routes.put("/v1/lookup", new LookupEndpoint(config, table));
    routes.put("/get-online-features", new FeastEndpoint(config, views, table));
    Map<String, Endpoint> fixedRoutes = Map.copyOf(routes);
    try {
      HttpAuth auth = worker.httpAuth();
      Channel channel = worker.listen(config.bindHost(), config.port(), config.tls(), new ChannelInitializer<SocketChannel>() {
        @Override
        protected void initChannel(SocketChannel ch) {
          ch.pipeline()
              .addLast("idle", new ReadTimeoutHandler(config.readTimeout().toNanos(), TimeUnit.NANOSECONDS))
              .addLast("http", new HttpServerCodec())
              .addLast("body", new JsonBodyAggregator(config.maxBodyBytes()))
              .addLast("calls", new HttpHandler(fixedRoutes, executor, auth));
        }
      });
      return new HttpServer(channel, executor, client);
    } catch (InterruptedException | RuntimeException e) {
      executor.shutdownNow();
      client.close();
      throw e;
    }
  }

  /** A client that reaches {@code worker} in-process, for a worker serving HTTP alone. */
  public static NeedleClient inProcessClient(Worker worker) {
    return NeedleClient.builder().transport(worker::call).build();
  }

  public InetSocketAddress address() {
    return (InetSocketAddress) channel.localAddress();
  }

  @Override
  public void close() {
    if (channel.isOpen()) { // a drain closes it with the worker's other ports, and may have shut its event loop down
      channel.close().syncUninterruptibly();
    }
    executor.shutdownNow();
    client.close();
  }

  private record TableKey(String uri, String keyColumn) {}

  /** The codec's aggregator, answering an oversized body with the JSON error instead of an empty 413. */
  private static final class JsonBodyAggregator extends HttpObjectAggregator {
    private final int maxBodyBytes;

    JsonBodyAggregator(int maxBodyBytes) {
      super(maxBodyBytes);
      this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
      String json = HttpAnswer.error(413, NeedleException.Code.RESOURCE_EXHAUSTED,
          "request body over " + maxBodyBytes + " bytes").json();
      FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
          HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, Unpooled.copiedBuffer(json, StandardCharsets.UTF_8));
      response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
          .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes())
          .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      // The rest of the body may still be arriving: close rather than read it.
      ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
  }
}
