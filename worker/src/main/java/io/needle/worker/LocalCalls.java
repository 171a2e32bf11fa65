package io.needle.worker;

import com.google.protobuf.CodedOutputStream;
import io.needle.protocol.Frame;
import io.needle.protocol.FrameWriter;
import io.needle.protocol.proto.ErrorCode;
import io.needle.protocol.proto.Request;
import io.needle.protocol.proto.Response;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * Requests served in this process, without a socket: the same dispatch as {@link RequestHandler}
 * ({@link TableService#serve}), with the answer's pages copied into the response frame instead of
 * being sent with {@code sendfile}. Embedded mode and the HTTP front end call the worker this way.
 *
 * <p>Threading: a call runs on the caller's thread as far as the caches allow (a warm lookup
 * completes before {@link #call} returns); a miss completes on the loader executor. The
 * request's deadline is not answered here (a local call cannot go silent); it drops queued work
 * and bounds S3 reads and their retries, as for a socket's request.
 *
 * <p>Buffers: the frame's buffers come from Netty's pooled allocator, as a socket's would; the
 * caller releases the frame exactly once, so each call does not allocate a payload-sized array.
 */
final class LocalCalls {
  private final TableService service;
  private final WorkerStatus status;
  /** In-process calls have no connection that could close: only their deadlines expire them. */
  private final Deadline.Owner inProcess;

  LocalCalls(TableService service, WorkerStatus status) {
    this.service = service;
    this.status = status;
    this.inProcess = new Deadline.Owner(status::dropped);
  }

  CompletableFuture<Frame> call(Request request) {
    if (request.getBodyCase() == Request.BodyCase.HEALTH) {
      return CompletableFuture.completedFuture(frame(Response.newBuilder().setRequestId(request.getRequestId())
          .setHealth(status.health()).build(), null));
    }
    if (status.refusing()) {
      return CompletableFuture.completedFuture(frame(error(request, ErrorCode.UNAVAILABLE,
          "worker " + status.name() + " is draining"), null));
    }
    long started = System.nanoTime();
    status.requestStarted();
    Deadline deadline = Deadline.of(inProcess, started, request.getTimeoutMicros());
    return service.serve(request, deadline).handle((answer, failure) -> {
      status.requestFinished();
      if (failure != null) {
        return frame(Response.newBuilder().setRequestId(request.getRequestId())
            .setError(service.toError(failure, TableService.tableUriOf(request))).build(), null);
      }
      status.served(answer.versions());
      return answered(request, answer, started);
    });
  }

  private static Frame answered(Request request, Answer answer, long started) {
    long planned = System.nanoTime();
    ByteBuf payload = PooledByteBufAllocator.DEFAULT.heapBuffer((int) answer.payloadBytes());
    try {
      AnswerPayload.copyAll(payload, answer.parts());
    } catch (IOException e) {
      payload.release();
      return frame(error(request, ErrorCode.UNAVAILABLE, e.getMessage()), null);
    }
    long planNanos = planned - started;
    long readNanos = System.nanoTime() - planned;
    return frame(answer.header(), request.getRequestId(), planNanos, readNanos, payload);
  }

  private static Frame frame(Response header, ByteBuf payload) {
    return frame(header.getSerializedSize(), header::writeTo, payload);
  }

  private static Frame frame(AnswerHeader header, long requestId, long planNanos, long readNanos, ByteBuf payload) {
    return frame(header.serializedSize(requestId, planNanos, readNanos),
        out -> header.writeTo(out, requestId, planNanos, readNanos), payload);
  }

  /** The header's bytes then the payload's, one frame that owns {@code payload} (not copied again). */
  private static Frame frame(int headerBytes, FrameWriter.HeaderBody header, ByteBuf payload) {
    ByteBuf headerBuf = PooledByteBufAllocator.DEFAULT.heapBuffer(headerBytes, headerBytes);
    try {
      CodedOutputStream out = CodedOutputStream.newInstance(headerBuf.array(), headerBuf.arrayOffset(), headerBytes);
      header.writeTo(out);
      out.checkNoSpaceLeft();
      headerBuf.writerIndex(headerBytes);
    } catch (IOException e) {
      headerBuf.release();
      if (payload != null) {
        payload.release();
      }
      throw new AssertionError("writing to a heap buffer cannot fail", e);
    }
    return Frame.of(payload == null ? headerBuf : Unpooled.wrappedBuffer(headerBuf, payload), headerBytes);
  }

  private static Response error(Request request, ErrorCode code, String message) {
    return Response.newBuilder().setRequestId(request.getRequestId())
        .setError(io.needle.protocol.proto.Error.newBuilder().setCode(code).setMessage(message)).build();
  }
}
