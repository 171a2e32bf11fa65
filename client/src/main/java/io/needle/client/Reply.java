package io.needle.client;

import io.needle.protocol.Frame;
import io.needle.protocol.proto.Response;

/**
 * A successful response and the frame holding its pages; the receiver releases the frame once.
 *
 * @param sentNanos {@code System.nanoTime()} when the request was handed to the connection
 * @param receivedNanos when the response frame was parsed on the connection's event loop
 */
record Reply(Response response, Frame frame, long sentNanos, long receivedNanos) {
  void release() {
    frame.release();
  }
}
