package io.needle.client;

import com.google.protobuf.InvalidProtocolBufferException;
import io.needle.protocol.Frame;
import io.needle.protocol.proto.Request;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Calls through a {@link Transport} given to the builder: the in-process counterpart of
 * {@link Connection#call}, turning a response frame into a {@link Reply} or the
 * {@link NeedleException} its error carries, the same way.
 */
final class InProcessCalls {
  /** The one member's address in the membership: no socket is ever opened to it. */
  static final String ADDRESS = "in-process:0";

  private final Transport transport;
  private final AtomicLong ids = new AtomicLong();

  InProcessCalls(Transport transport) {
    this.transport = transport;
  }

  CompletableFuture<Reply> call(Request.Builder request, Duration timeout) {
    long id = ids.incrementAndGet();
    long timeoutMicros = timeout.isZero() ? 0 : Math.max(1, timeout.toNanos() / 1000);
    long sentNanos = System.nanoTime();
    return transport.call(request.setRequestId(id).setTimeoutMicros(timeoutMicros).build())
        .thenApply(frame -> reply(frame, sentNanos));
  }

  void close() {
    transport.close();
  }

  private static Reply reply(Frame frame, long sentNanos) {
    ReplyHeader response;
    try {
      response = ReplyHeader.parse(frame.header());
    } catch (InvalidProtocolBufferException e) {
      frame.release();
      throw new NeedleException(NeedleException.Code.INTERNAL, "in-process worker sent a malformed header", e);
    }
    if (response.hasError()) {
      frame.release();
      throw Errors.fromWire(response.error(), ADDRESS);
    }
    return new Reply(response, frame, sentNanos, System.nanoTime());
  }
}
