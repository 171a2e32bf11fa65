package io.needle.protocol;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.needle.protocol.proto.Request;
import io.needle.protocol.proto.Response;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

import java.io.IOException;

/** Parses frame headers, without copying them out of their buffers where the buffer allows. */
public final class Messages {
  /** Protobuf nesting limit: our messages nest 5 deep; anything deeper is hostile. */
  private static final int RECURSION_LIMIT = 16;

  private Messages() {}

  public static Request parseRequest(ByteBuf header) throws InvalidProtocolBufferException {
    try {
      return Request.parseFrom(input(header));
    } catch (InvalidProtocolBufferException e) {
      throw e;
    } catch (IOException e) {
      throw new InvalidProtocolBufferException(e);
    }
  }

  public static Response parseResponse(ByteBuf header) throws InvalidProtocolBufferException {
    try {
      return Response.parseFrom(input(header));
    } catch (InvalidProtocolBufferException e) {
      throw e;
    } catch (IOException e) {
      throw new InvalidProtocolBufferException(e);
    }
  }

  private static CodedInputStream input(ByteBuf header) {
    CodedInputStream in = header.nioBufferCount() == 1
        ? CodedInputStream.newInstance(header.nioBuffer())
        : CodedInputStream.newInstance(ByteBufUtil.getBytes(header));
    in.setRecursionLimit(RECURSION_LIMIT);
    return in;
  }
}
