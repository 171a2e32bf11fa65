package io.needle.client;

import io.needle.decode.AnswerHeader;
import io.needle.protocol.Frame;
import io.needle.protocol.proto.Response;

/**
 * A successful response and the frame holding its pages; the receiver releases the frame once.
 *
 * @param sentNanos {@code System.nanoTime()} when the request was handed to the connection
 * @param receivedNanos when the response frame was parsed on the connection's event loop
 */
record Reply(ReplyHeader header, Frame frame, long sentNanos, long receivedNanos) {
  /** The whole message of a reply that is not a lookup answer (Describe, health, refresh). */
  Response response() {
    return header.response();
  }

  /** A lookup answer's header, read flat; null for other replies. */
  AnswerHeader lookup() {
    return header.lookup();
  }

  void release() {
    frame.release();
  }
}
