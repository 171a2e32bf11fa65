package io.needle.worker;

import com.google.protobuf.CodedOutputStream;
import io.needle.protocol.proto.Response;

import java.io.IOException;

/**
 * An answer's protobuf header, completed with the request id and the worker's timings only as it
 * is written into the frame: a lookup's is encoded straight from its plans ({@link LookupHeader});
 * every other reply is a {@link Response} message.
 */
interface AnswerHeader {
  int serializedSize(long requestId, long planNanos, long readNanos);

  void writeTo(CodedOutputStream out, long requestId, long planNanos, long readNanos) throws IOException;

  /** A reply without lookup timings, built as a message: Describe, Refresh, Health, errors. */
  static AnswerHeader of(Response response) {
    return new Message(response);
  }

  /**
   * A {@link Response} without a request id: the id is written before its fields, which is where
   * protobuf itself puts field 1, so the bytes are the message's with the id set and no copy of it.
   */
  record Message(Response response) implements AnswerHeader {
    public Message {
      if (response.getRequestId() != 0) {
        throw new IllegalArgumentException("the request id is written with the frame");
      }
    }

    @Override
    public int serializedSize(long requestId, long planNanos, long readNanos) {
      return (requestId == 0 ? 0 : CodedOutputStream.computeUInt64Size(Response.REQUEST_ID_FIELD_NUMBER, requestId)) + response.getSerializedSize();
    }

    @Override
    public void writeTo(CodedOutputStream out, long requestId, long planNanos, long readNanos) throws IOException {
      if (requestId != 0) {
        out.writeUInt64(Response.REQUEST_ID_FIELD_NUMBER, requestId);
      }
      response.writeTo(out);
    }
  }
}
