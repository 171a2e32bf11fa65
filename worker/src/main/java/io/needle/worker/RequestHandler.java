package io.needle.worker;

import com.google.protobuf.InvalidProtocolBufferException;
import io.needle.protocol.Frame;
import io.needle.protocol.FrameDecoder;
import io.needle.protocol.FrameException;
import io.needle.protocol.FrameWriter;
import io.needle.protocol.Messages;
import io.needle.protocol.proto.AuthenticateResponse;
import io.needle.protocol.proto.ErrorCode;
import io.needle.protocol.proto.Request;
import io.needle.protocol.proto.Response;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.timeout.IdleStateEvent;
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
 * of two responses never interleave on the wire.
 *
 * <p>Limits (see {@link ServerLimits}), all hard:
 * <ul>
 *   <li>In flight: a request counts, on this connection and worker-wide, until its work ends, not
 *       when a deadline answers it, so work nobody waits for still holds its slot. While
 *       {@code maxInFlight} requests are counted or the outbound buffer is above the high
 *       watermark, the channel stops reading and, as the decoder's {@link FrameDecoder.Gate},
 *       leaves frames already read uncut: no frame is dispatched beyond the cap. Over the
 *       worker-wide cap a request gets RESOURCE_EXHAUSTED at once.
 *   <li>Buffered bytes: what the decoder holds counts against the worker-wide budget; the
 *       connection that would go over is closed.
 *   <li>Time: a frame must arrive whole within {@code frameTimeout} of the previous one or of its
 *       first byte; a connection idle (nothing in flight, nothing read) for {@code idleTimeout}
 *       is closed. A request's deadline, or its connection closing, drops its queued work.
 * </ul>
 */
final class RequestHandler extends SimpleChannelInboundHandler<Frame> implements FrameDecoder.Gate {
  private static final Logger log = LoggerFactory.getLogger(RequestHandler.class);

  private final TableService service;
  private final int maxInFlight;
  private final ServerLimits limits;
  private final ConnectionGuard guard;
  private final WorkerStatus status;
  private final long lookupDelayNanos;
  private final RequestMetrics metrics;
  private final boolean copyAll;
  private final AccessGate.Session access;
  private final Deadline.Owner connection;
  private int inFlight;
  private int bufferedBytes; // held by the decoder
  private long countedBytes; // the part of them counted in the guard's budget
  private ScheduledFuture<?> frameTimer;
  private FrameDecoder decoder;
  private boolean writable = true;

  /**
   * @param tls the connection is encrypted: every page is copied (SslHandler takes buffers, not
   *     file regions), which costs the zero-copy send; see BENCHMARKS.md for what it costs
   * @param auth who may do what, or null when the worker does not authenticate clients
   */
  RequestHandler(TableService service, int maxInFlight, ServerLimits limits, ConnectionGuard guard,
      WorkerStatus status, long lookupDelayNanos, RequestMetrics metrics, boolean tls, ServerAuth auth) {
    super(Frame.class, true);
    this.metrics = metrics;
    this.copyAll = tls;
    this.access = auth == null ? null : new AccessGate.Session(auth, status.name());
    this.service = service;
    this.maxInFlight = maxInFlight;
    this.limits = limits;
    this.guard = guard;
    this.status = status;
    this.lookupDelayNanos = lookupDelayNanos;
    this.connection = new Deadline.Owner(status::dropped);
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    decoder = ctx.pipeline().get(FrameDecoder.class);
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
    cancelFrameTimer(); // a whole frame arrived: the next one gets its own frameTimeout
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
    if (status.refusing()) {
      failed(ctx, null, 0, pushback(request.getRequestId(), ErrorCode.UNAVAILABLE, "worker " + status.name() + " is draining"));
      return;
    }
    boolean lookup = request.getBodyCase() == Request.BodyCase.LOOKUP;
    int keys = lookup ? request.getLookup().getKeysCount() : 0;
    if (status.inFlight() >= limits.maxInFlight()) {
      failed(ctx, lookup ? request.getLookup().getTableUri() : null, keys, pushback(request.getRequestId(),
          ErrorCode.RESOURCE_EXHAUSTED, "worker busy: " + limits.maxInFlight() + " requests in flight, retry later"));
      return;
    }
    long now = System.nanoTime();
    Deadline deadline = Deadline.of(connection, now, request.getTimeoutMicros());
    InFlight call = new InFlight(request.getRequestId(), TableService.tableUriOf(request), lookup, keys, now, deadline);
    inFlight++;
    status.requestStarted();
    updateAutoRead(ctx);
    CompletableFuture<Answer> answer = lookupDelayNanos != 0 && lookup
        ? delayedLookup(ctx, request, deadline) : service.serve(request, deadline);
    if (TableService.succeeded(answer)) {
      // Warm: planned and answered in this event-loop task, with no deadline timer to schedule
      // and cancel and no stage to complete.
      finish(ctx, call, answer.join(), null);
      return;
    }
    if (deadline.bounded()) {
      call.timeout = ctx.executor().schedule(() -> timeOut(ctx, call), Math.max(0, deadline.remainingNanos()),
          TimeUnit.NANOSECONDS);
    }
    answer.whenComplete((result, error) -> {
      if (ctx.executor().inEventLoop()) {
        finish(ctx, call, result, error);
      } else {
        ctx.executor().execute(() -> finish(ctx, call, result, error));
      }
    });
  }

  /** The work of {@code call} ended: answer it unless its deadline did, and free its slot. */
  private void finish(ChannelHandlerContext ctx, InFlight call, Answer result, Throwable error) {
    inFlight--;
    status.requestFinished();
    if (call.answered) {
      if (result != null) {
        result.release();
      }
    } else {
      call.answered = true;
      if (call.timeout != null) {
        // Cancelled, not left to fire: at thousands of lookups a second, deadlines of seconds would
        // otherwise keep tens of thousands of dead tasks in the event loop's timer queue.
        call.timeout.cancel(false);
      }
      if (error != null && call.deadline.expired()) {
        // Whatever failed once the deadline had passed (an S3 call the deadline aborted can fail
        // as a closed connection a moment before this loop's timer fires) failed because of it:
        // the answer is the deadline's, never a source failure the client would act on.
        log.debug("{} answered DEADLINE_EXCEEDED; after the deadline the work failed: {}", ctx.channel().remoteAddress(),
            error.toString());
        failed(ctx, call.lookupTableUri(), call.keys, deadlinePassed(call.requestId));
      } else if (error != null) {
        // A client's mistake or a source's failure, answered typed and counted; never a stack
        // trace per request (INTERNAL, a bug, is logged by toError).
        io.needle.protocol.proto.Error wire = service.toError(error, call.tableUri);
        log.debug("{} answered {}: {}", ctx.channel().remoteAddress(), wire.getCode(), wire.getMessage());
        failed(ctx, call.lookupTableUri(), call.keys, Response.newBuilder().setRequestId(call.requestId)
            .setError(wire).build());
      } else if (!ctx.channel().isActive()) {
        result.release();
      } else {
        status.served(result.versions());
        write(ctx, call, result);
      }
    }
    updateAutoRead(ctx);
  }

  private void timeOut(ChannelHandlerContext ctx, InFlight call) {
    if (!call.answered) {
      call.answered = true; // the slot stays taken until the work ends (finish)
      failed(ctx, call.lookupTableUri(), call.keys, deadlinePassed(call.requestId));
    }
  }

  /** Test hook ({@link io.needle.worker.hooks.TestHooks#lookupDelay}): serves the lookup after a fixed delay. */
  private CompletableFuture<Answer> delayedLookup(ChannelHandlerContext ctx, Request request, Deadline deadline) {
    CompletableFuture<Answer> answer = new CompletableFuture<>();
    ctx.executor().schedule(() -> {
      service.lookup(request.getLookup(), deadline).whenComplete((r, e) -> {
        if (e != null) {
          answer.completeExceptionally(e);
        } else if (!answer.complete(r)) {
          r.release();
        }
      });
    }, lookupDelayNanos, TimeUnit.NANOSECONDS);
    return answer;
  }

  private void failed(ChannelHandlerContext ctx, String lookupTableUri, int keys, Response response) {
    metrics.failed(lookupTableUri, keys, response.getError().getCode(), writeHeaderOnly(ctx, response));
  }

  private void write(ChannelHandlerContext ctx, InFlight call, Answer answer) {
    long planned = System.nanoTime();
    List<Object> payload = AnswerPayload.messages(ctx.alloc(), answer.parts(), copyAll);
    long planNanos = planned - call.startedNanos;
    long readNanos = System.nanoTime() - planned;
    AnswerHeader header = answer.header();
    long requestId = call.requestId;
    ByteBuf headerFrame = FrameWriter.header(ctx.alloc(), header.serializedSize(requestId, planNanos, readNanos),
        out -> header.writeTo(out, requestId, planNanos, readNanos), answer.payloadBytes());
    long bytes = headerFrame.readableBytes() + answer.payloadBytes();
    ctx.write(headerFrame, ctx.voidPromise());
    for (Object message : payload) {
      ctx.write(message, ctx.voidPromise());
    }
    ctx.flush();
    if (call.lookup) {
      metrics.lookupAnswered(call.tableUri, call.keys, planNanos, readNanos, bytes);
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

  private static Response deadlinePassed(long requestId) {
    return error(requestId, ErrorCode.DEADLINE_EXCEEDED, "deadline passed before the answer was ready");
  }

  private static Response error(long requestId, ErrorCode code, String message) {
    return Response.newBuilder().setRequestId(requestId)
        .setError(io.needle.protocol.proto.Error.newBuilder().setCode(code).setMessage(message)).build();
  }

  /** A refusal for load: the error carries the pushback hint, so clients hold off this worker. */
  private static Response pushback(long requestId, ErrorCode code, String message) {
    return Response.newBuilder().setRequestId(requestId).setError(io.needle.protocol.proto.Error.newBuilder()
        .setCode(code).setMessage(message).setRetryAfterMs(ServerLimits.RETRY_AFTER_MILLIS)).build();
  }

  /** The decoder's gate: frames are cut only while another request may start. */
  @Override
  public boolean open() {
    return inFlight < maxInFlight && writable;
  }

  @Override
  public void buffered(ChannelHandlerContext ctx, int bytes) throws FrameException {
    long counted = Math.max(0, bytes - ServerLimits.FREE_BUFFERED_BYTES);
    if (!guard.buffer(counted - countedBytes)) {
      throw new FrameException("request bytes buffered over all connections would pass the worker's budget of "
          + limits.maxBufferedRequestBytes());
    }
    countedBytes = counted;
    bufferedBytes = bytes;
    if (bytes > 0 && open()) {
      if (frameTimer == null) {
        frameTimer = ctx.executor().schedule(() -> {
          log.debug("closing {}: no whole frame within {}", ctx.channel().remoteAddress(), limits.frameTimeout());
          ctx.close();
        }, limits.frameTimeout().toNanos(), TimeUnit.NANOSECONDS);
      }
    } else {
      cancelFrameTimer();
    }
  }

  private void cancelFrameTimer() {
    if (frameTimer != null) {
      frameTimer.cancel(false);
      frameTimer = null;
    }
  }

  private void updateAutoRead(ChannelHandlerContext ctx) {
    writable = ctx.channel().isWritable();
    boolean open = open();
    ctx.channel().config().setAutoRead(open);
    if (open && bufferedBytes > 0 && decoder != null) {
      try {
        decoder.resume(); // frames a pipelining client sent past the cap, read but not yet cut
      } catch (Exception e) {
        ctx.fireExceptionCaught(e);
      }
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    updateAutoRead(ctx);
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof IdleStateEvent) {
      if (inFlight == 0 && bufferedBytes == 0) {
        log.debug("closing {}: idle for {}", ctx.channel().remoteAddress(), limits.idleTimeout());
        ctx.close();
      }
      return;
    }
    ctx.fireUserEventTriggered(event);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    connection.close(); // queued work of this connection's requests is dropped
    cancelFrameTimer();
    guard.buffer(-countedBytes);
    countedBytes = 0;
    bufferedBytes = 0;
    ctx.fireChannelInactive();
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
    final String tableUri; // as the client gave it; null for none
    final boolean lookup;
    final int keys;
    final long startedNanos;
    final Deadline deadline;
    ScheduledFuture<?> timeout;
    boolean answered;

    InFlight(long requestId, String tableUri, boolean lookup, int keys, long startedNanos, Deadline deadline) {
      this.requestId = requestId;
      this.tableUri = tableUri;
      this.lookup = lookup;
      this.keys = keys;
      this.startedNanos = startedNanos;
      this.deadline = deadline;
    }

    /** The table label of the lookup metrics: null unless a lookup. */
    String lookupTableUri() {
      return lookup ? tableUri : null;
    }
  }
}
