package io.needle.client;

import io.needle.protocol.Frame;
import io.needle.protocol.proto.Response;

/** A successful response and the frame holding its pages; the receiver releases the frame once. */
record Reply(Response response, Frame frame) {
  void release() {
    frame.release();
  }
}
