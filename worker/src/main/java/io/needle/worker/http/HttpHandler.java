package io.needle.worker.http;

import io.needle.client.NeedleException;
import io.needle.worker.HttpAuth;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.timeout.ReadTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * One per HTTP connection: routes each aggregated request to its {@link Endpoint} on the lookup
 * executor and writes the answer back.
 *
 * <p>Threading: every field is touched on the channel's event loop only; the endpoint runs on
 * the executor and its answer comes back to the loop in one task. The loop never waits: a full
 * executor queue is a 503 at once. One call per connection is served at a time, so answers keep
 * the order of pipelined requests; the connection stops reading meanwhile, and requests the codec
 * had already decoded wait in a queue no longer than one read's worth.
 */
final class HttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final Logger log = LoggerFactory.getLogger(HttpHandler.class);

  private final Map<String, Endpoint> routes;
  private final Executor executor;
  private final HttpAuth auth; // null: no one is authenticated
  private final ArrayDeque<FullHttpRequest> waiting = new ArrayDeque<>(2);
  private boolean busy;

  HttpHandler(Map<String, Endpoint> routes, Executor executor, HttpAuth auth) {
    super(FullHttpRequest.class, false);
    this.routes = routes;
    this.executor = executor;
    this.auth = auth;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    if (busy) {
      waiting.add(request);
      return;
    }
    serve(ctx, request);
  }

  private void serve(ChannelHandlerContext ctx, FullHttpRequest request) {
    boolean keepAlive = HttpUtil.isKeepAlive(request);
    byte[] body;
    Endpoint endpoint;
    TableAccess access = TableAccess.ANYONE;
    try {
      if (!request.decoderResult().isSuccess()) {
        respond(ctx, HttpAnswer.error(400, NeedleException.Code.INVALID_ARGUMENT, "malformed HTTP request: "
            + request.decoderResult().cause().getMessage()), false);
        return;
      }
      if (auth != null) {
        // Before anything else: an unauthenticated caller learns nothing, not even a route.
        HttpAuth.Caller caller = auth.caller(ctx.channel(), request.headers().get(HttpHeaderNames.AUTHORIZATION));
        if (caller == null) {
          respond(ctx, HttpAnswer.error(401, NeedleException.Code.UNAUTHENTICATED, "authentication required: send "
              + "Authorization: Bearer TOKEN, or present a client certificate"), false);
          return;
        }
        access = TableAccess.of(caller);
      }
      String path = new QueryStringDecoder(request.uri()).path();
      endpoint = routes.get(path);
      if (endpoint == null) {
        respond(ctx, HttpAnswer.error(404, NeedleException.Code.NOT_FOUND, "no such path: " + path
            + " (try POST " + String.join(", POST ", routes.keySet()) + ")"), keepAlive);
        return;
      }
      if (!HttpMethod.POST.equals(request.method())) {
        respond(ctx, HttpAnswer.error(405, NeedleException.Code.INVALID_ARGUMENT, request.method() + " " + path
            + ": only POST is served here"), keepAlive);
        return;
      }
      String type = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
      // Absent is fine: Feast's remote store posts its JSON with requests' data=, which sends none.
      if (type != null && !HttpUtil.getMimeType(type).toString().equalsIgnoreCase("application/json")) {
        respond(ctx, HttpAnswer.error(415, NeedleException.Code.INVALID_ARGUMENT, "content type " + type
            + " is not application/json"), keepAlive);
        return;
      }
      body = ByteBufUtil.getBytes(request.content());
    } finally {
      request.release();
    }
    busy = true;
    ctx.channel().config().setAutoRead(false);
    TableAccess rights = access;
    try {
      executor.execute(() -> {
        HttpAnswer answer = call(endpoint, body, rights);
        ctx.executor().execute(() -> finish(ctx, answer, keepAlive));
      });
    } catch (RejectedExecutionException e) {
      finish(ctx, HttpAnswer.error(503, NeedleException.Code.UNAVAILABLE, "too many HTTP calls waiting; retry"),
          keepAlive);
    }
  }

  private static HttpAnswer call(Endpoint endpoint, byte[] body, TableAccess access) {
    try {
      return endpoint.answer(body, access);
    } catch (HttpError | NeedleException | IllegalArgumentException expected) {
      return endpoint.error(expected); // the caller's mistake or the cluster's state: no stack trace
    } catch (RuntimeException bug) {
      log.warn("HTTP call failed unexpectedly", bug);
      return endpoint.error(bug);
    }
  }

  private void finish(ChannelHandlerContext ctx, HttpAnswer answer, boolean keepAlive) {
    busy = false;
    respond(ctx, answer, keepAlive);
    if (!ctx.channel().isActive()) {
      releaseWaiting();
      return;
    }
    FullHttpRequest next = waiting.poll();
    if (next != null) {
      serve(ctx, next);
    } else if (!busy) {
      ctx.channel().config().setAutoRead(true);
    }
  }

  private static void respond(ChannelHandlerContext ctx, HttpAnswer answer, boolean keepAlive) {
    if (!ctx.channel().isActive()) {
      return;
    }
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
        HttpResponseStatus.valueOf(answer.status()), Unpooled.copiedBuffer(answer.json(), StandardCharsets.UTF_8));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
    if (answer.status() == 401) {
      response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"needle\"");
    }
    if (keepAlive) {
      response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
      ctx.writeAndFlush(response, ctx.voidPromise());
    } else {
      response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
  }

  private void releaseWaiting() {
    for (FullHttpRequest r; (r = waiting.poll()) != null; ) {
      r.release();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    releaseWaiting();
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof ReadTimeoutException) {
      log.debug("closing idle HTTP connection {}", ctx.channel().remoteAddress());
    } else if (cause instanceof DecoderException && cause.getCause() instanceof javax.net.ssl.SSLException) {
      // Plaintext to a TLS port, an untrusted certificate: the client's problem, one per connection at most.
      log.debug("closing HTTP connection {}: TLS failed: {}", ctx.channel().remoteAddress(), cause.getCause().toString());
    } else if (cause instanceof IOException || cause instanceof javax.net.ssl.SSLException) {
      log.debug("closing HTTP connection {} after I/O error: {}", ctx.channel().remoteAddress(), cause.toString());
    } else {
      log.info("closing HTTP connection {}: {}", ctx.channel().remoteAddress(), cause.toString());
    }
    ctx.close();
  }
}
