package io.needle.worker;

import com.google.protobuf.InvalidProtocolBufferException;
import io.needle.protocol.Frame;
import io.needle.protocol.FrameException;
import io.needle.protocol.FrameWriter;
import io.needle.protocol.Messages;
import io.needle.protocol.proto.AuthenticateResponse;
import io.needle.protocol.proto.ErrorCode;
import io.needle.protocol.proto.Request;
import io.needle.protocol.proto.Response;
import io.needle.protocol.proto.WorkerTimings;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One per connection: parses request frames, hands them to the {@link TableService}, and writes
 * each answer as a header buffer followed by zero-copy file regions.
 *
 * <p>Threading: every field is touched on the channel's event loop only. Answers may complete on
 * the loader executor; they are written in one event-loop task each, so the buffers and regions
 * of two responses never interleave on the wire. Backpressure: the channel stops reading while
 * {@code maxInFlight} requests are being served or while its outbound buffer is above the high
 * watermark, so a client that does not read its answers cannot make the worker buffer more.
 */
final class RequestHandler extends SimpleChannelInboundHandler<Frame> {
  private static final Logger log = LoggerFactory.getLogger(RequestHandler.class);

  private final TableService service;
  private final int maxInFlight;
  private final WorkerStatus status;
  private final long debugLookupDelayNanos;
  private final RequestMetrics metrics;
  private final boolean copyAll;
  private final AccessGate.Session access;
  private int inFlight;

  /**
   * @param tls the connection is encrypted: every page is copied (SslHandler takes buffers, not
   *     file regions), which costs the zero-copy send; see BENCHMARKS.md for what it costs
   * @param gate who may do what, or null when the worker does not authenticate clients
   */
  RequestHandler(TableService service, int maxInFlight, WorkerStatus status, long debugLookupDelayNanos,
      RequestMetrics metrics, boolean tls, AccessGate gate) {
    super(Frame.class, true);
    this.service = service;
    this.metrics = metrics;
    this.maxInFlight = maxInFlight;
    this.status = status;
    this.debugLookupDelayNanos = debugLookupDelayNanos;
    this.copyAll = tls;
    this.access = gate == null ? null : gate.session();
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
    Request request;
    try {
      request = Messages.parseRequest(frame.header());
    } catch (InvalidProtocolBufferException e) {
      // Framing is intact, so the connection can go on; the request id is unknown.
      failed(ctx, null, 0, error(0, ErrorCode.INVALID_ARGUMENT, "malformed request header: " + e.getMessage()));
      return;
    }
    if (frame.payload().isReadable()) {
      failed(ctx, null, 0, error(request.getRequestId(), ErrorCode.INVALID_ARGUMENT, "requests carry no payload"));
      return;
    }
    if (access != null) {
      AccessGate.Verdict verdict = access.admit(ctx.channel(), request);
      if (verdict != null) {
        ChannelFuture written = ctx.writeAndFlush(FrameWriter.header(ctx.alloc(), verdict.answer(), 0));
        if (verdict.close()) {
          written.addListener(ChannelFutureListener.CLOSE);
        }
        return;
      }
    } else if (request.getBodyCase() == Request.BodyCase.AUTHENTICATE) {
      // No authentication here: a token is accepted and ignored, so clients can be given tokens
      // before their workers start checking them.
      writeHeaderOnly(ctx, Response.newBuilder().setRequestId(request.getRequestId())
          .setAuthenticate(AuthenticateResponse.getDefaultInstance()).build());
      return;
    }
    if (request.getBodyCase() == Request.BodyCase.HEALTH) {
      // Cheap and on the event loop: membership and probes must see a busy worker as alive.
      writeHeaderOnly(ctx, Response.newBuilder().setRequestId(request.getRequestId()).setHealth(status.health()).build());
      return;
    }
    if (status.draining()) {
      failed(ctx, null, 0, error(request.getRequestId(), ErrorCode.UNAVAILABLE, "worker " + status.name() + " is draining"));
      return;
    }
    boolean lookup = request.getBodyCase() == Request.BodyCase.LOOKUP;
    InFlight call = new InFlight(request.getRequestId(), lookup ? request.getLookup().getTableUri() : null,
        lookup ? request.getLookup().getKeysCount() : 0, System.nanoTime());
    inFlight++;
    status.requestStarted();
    updateAutoRead(ctx);
    if (request.getTimeoutMicros() > 0) {
      call.timeout = ctx.executor().schedule(() -> timeOut(ctx, call), request.getTimeoutMicros(), TimeUnit.MICROSECONDS);
    }
    CompletableFuture<LookupAnswer> answer = debugLookupDelayNanos != 0 && request.hasLookup()
        ? delayedLookup(ctx, request) : service.serve(request);
    answer.whenComplete((result, error) -> {
      if (ctx.executor().inEventLoop()) {
        finish(ctx, call, result, error);
      } else {
        ctx.executor().execute(() -> finish(ctx, call, result, error));
      }
    });
  }

  private void finish(ChannelHandlerContext ctx, InFlight call, LookupAnswer result, Throwable error) {
    if (call.done) { // timed out already
      if (result != null) {
        result.release();
      }
      return;
    }
    call.done = true;
    if (call.timeout != null) {
      // Cancelled, not left to fire: at thousands of lookups a second, deadlines of seconds would
      // otherwise keep tens of thousands of dead tasks in the event loop's timer queue.
      call.timeout.cancel(false);
    }
    inFlight--;
    status.requestFinished();
    if (error != null) {
      io.needle.protocol.proto.Error wire = TableService.toError(error);
      // A client's mistake or a source's failure, answered typed and counted; never a stack
      // trace per request (INTERNAL, a bug, is logged by toError).
      log.debug("{} answered {}: {}", ctx.channel().remoteAddress(), wire.getCode(), wire.getMessage());
      failed(ctx, call.lookupTableUri, call.keys, Response.newBuilder().setRequestId(call.requestId).setError(wire).build());
    } else if (!ctx.channel().isActive()) {
      result.release();
    } else {
      if (call.lookupTableUri != null) {
        status.served(call.lookupTableUri, result.header().getLookup());
      }
      write(ctx, call, result);
    }
    updateAutoRead(ctx);
  }

  private void failed(ChannelHandlerContext ctx, String lookupTableUri, int keys, Response response) {
    metrics.failed(lookupTableUri, keys, response.getError().getCode(), writeHeaderOnly(ctx, response));
  }

  private void timeOut(ChannelHandlerContext ctx, InFlight call) {
    if (!call.done) {
      call.done = true;
      inFlight--;
      status.requestFinished();
      failed(ctx, call.lookupTableUri, call.keys,
          error(call.requestId, ErrorCode.DEADLINE_EXCEEDED, "deadline passed before the answer was ready"));
      updateAutoRead(ctx);
    }
  }

  /** Test hook (WorkerConfig.debugLookupDelay): serves the lookup after a fixed delay. */
  private CompletableFuture<LookupAnswer> delayedLookup(ChannelHandlerContext ctx, Request request) {
    CompletableFuture<LookupAnswer> answer = new CompletableFuture<>();
    ctx.executor().schedule(() -> {
      service.lookup(request.getLookup()).whenComplete((r, e) -> {
        if (e != null) {
          answer.completeExceptionally(e);
        } else if (!answer.complete(r)) {
          r.release();
        }
      });
    }, debugLookupDelayNanos, TimeUnit.NANOSECONDS);
    return answer;
  }

  private void write(ChannelHandlerContext ctx, InFlight call, LookupAnswer answer) {
    long planned = System.nanoTime();
    List<Object> payload = AnswerPayload.messages(ctx.alloc(), answer.parts(), copyAll);
    Response.Builder header = answer.header().toBuilder().setRequestId(call.requestId);
    long planNanos = planned - call.startedNanos;
    long readNanos = System.nanoTime() - planned;
    if (header.hasLookup()) {
      header.getLookupBuilder().setTimings(WorkerTimings.newBuilder().setPlanNanos(planNanos).setReadNanos(readNanos));
    }
    ByteBuf headerFrame = FrameWriter.header(ctx.alloc(), header.build(), answer.payloadBytes());
    long bytes = headerFrame.readableBytes() + answer.payloadBytes();
    ctx.write(headerFrame, ctx.voidPromise());
    for (Object message : payload) {
      ctx.write(message, ctx.voidPromise());
    }
    ctx.flush();
    if (call.lookupTableUri != null) {
      metrics.lookupAnswered(call.lookupTableUri, call.keys, planNanos, readNanos, bytes);
    }
  }

  /** Writes a response without payload; returns its bytes (0 when the connection is gone). */
  private static long writeHeaderOnly(ChannelHandlerContext ctx, Response response) {
    if (!ctx.channel().isActive()) {
      return 0;
    }
    ByteBuf frame = FrameWriter.header(ctx.alloc(), response, 0);
    long bytes = frame.readableBytes();
    ctx.writeAndFlush(frame, ctx.voidPromise());
    return bytes;
  }

  private static Response error(long requestId, ErrorCode code, String message) {
    return Response.newBuilder().setRequestId(requestId)
        .setError(io.needle.protocol.proto.Error.newBuilder().setCode(code).setMessage(message)).build();
  }

  private void updateAutoRead(ChannelHandlerContext ctx) {
    ctx.channel().config().setAutoRead(inFlight < maxInFlight && ctx.channel().isWritable());
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    updateAutoRead(ctx);
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof FrameException || cause.getCause() instanceof FrameException) {
      log.debug("closing {}: {}", ctx.channel().remoteAddress(), cause.getMessage());
    } else if (cause instanceof IOException) {
      log.debug("closing {} after I/O error: {}", ctx.channel().remoteAddress(), cause.toString());
    } else if (cause instanceof DecoderException && cause.getCause() instanceof javax.net.ssl.SSLException) {
      // Plaintext on a TLS port, an untrusted client certificate, a failed handshake: the
      // client's problem, and a scanner could make one per connection.
      log.debug("closing {}: TLS failed: {}", ctx.channel().remoteAddress(), cause.getCause().toString());
    } else if (cause instanceof DecoderException) {
      log.info("closing {} after a decoding error: {}", ctx.channel().remoteAddress(), cause.toString());
    } else {
      log.warn("closing {} after an unexpected error", ctx.channel().remoteAddress(), cause);
    }
    ctx.close();
  }

  /** One request being served; touched on the event loop only. */
  private static final class InFlight {
    final long requestId;
    final String lookupTableUri; // null unless a lookup
    final int keys;
    final long startedNanos;
    ScheduledFuture<?> timeout;
    boolean done;

    InFlight(long requestId, String lookupTableUri, int keys, long startedNanos) {
      this.requestId = requestId;
      this.lookupTableUri = lookupTableUri;
      this.keys = keys;
      this.startedNanos = startedNanos;
    }
  }
}
