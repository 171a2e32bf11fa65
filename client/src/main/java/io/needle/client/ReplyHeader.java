package io.needle.client;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.needle.decode.AnswerHeader;
import io.needle.protocol.Messages;
import io.needle.protocol.proto.Error;
import io.needle.protocol.proto.Response;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

import java.io.IOException;

/**
 * A reply frame's header ({@code Response}). A lookup answer, the hot case, is read flat: its
 * request id and an {@link AnswerHeader}, straight from the frame's bytes, no message objects.
 * Any other reply (an error, Describe, health, refresh, authenticate), or a header with any field
 * besides the request id and the answer, is parsed whole by protobuf's generated code, as
 * before: rare, and its callers read messages.
 *
 * @param response the whole message, for a reply that is not a lookup answer; else null
 * @param lookup the answer read flat, for a lookup answer; else null
 */
record ReplyHeader(long requestId, Response response, AnswerHeader lookup) {
  private static final int RECURSION_LIMIT = 16; // as Messages: our messages nest 5 deep
  private static final int REQUEST_ID = 1 << 3; // field 1, varint
  private static final int LOOKUP = 10 << 3 | 2; // field 10, length-delimited

  /** The header of a reply frame; malformed bytes are {@link InvalidProtocolBufferException}. */
  static ReplyHeader parse(ByteBuf header) throws InvalidProtocolBufferException {
    CodedInputStream in = header.nioBufferCount() == 1
        ? CodedInputStream.newInstance(header.nioBuffer())
        : CodedInputStream.newInstance(ByteBufUtil.getBytes(header));
    in.setRecursionLimit(RECURSION_LIMIT);
    long requestId = 0;
    AnswerHeader.Reader lookup = null;
    try {
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (tag == REQUEST_ID) {
          requestId = in.readUInt64();
        } else if (tag == LOOKUP) {
          int old = in.pushLimit(in.readRawVarint32());
          lookup = lookup == null ? new AnswerHeader.Reader(1, RECURSION_LIMIT) : lookup;
          lookup.mergeFrom(in);
          in.popLimit(old);
        } else {
          // Any other field, unknown ones included: protobuf's parser decides, as before. Skipping
          // an unknown field here would need its exact rules (AnswerHeader.Reader has them); a
          // worker sends none, so this path is cold.
          return whole(header);
        }
      }
    } catch (InvalidProtocolBufferException e) {
      throw e;
    } catch (IOException e) {
      throw new InvalidProtocolBufferException(e);
    }
    if (lookup == null) {
      return whole(header); // an empty reply (a refresh, say): nothing to read flat
    }
    return new ReplyHeader(requestId, null, lookup.build());
  }

  private static ReplyHeader whole(ByteBuf header) throws InvalidProtocolBufferException {
    Response response = Messages.parseResponse(header);
    return new ReplyHeader(response.getRequestId(), response, null);
  }

  boolean hasError() {
    return response != null && response.hasError();
  }

  Error error() {
    return response.getError();
  }
}
