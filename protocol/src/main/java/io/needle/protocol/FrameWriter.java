package io.needle.protocol;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Writes frame prefixes and protobuf headers straight into pooled buffers (no intermediate
 * {@code byte[]}). The payload, if any, is written by the caller after the returned buffer, for
 * example as file regions; {@code payloadBytes} must equal what it writes.
 */
public final class FrameWriter {
  private FrameWriter() {}

  /** Prefix and header of a frame whose payload of {@code payloadBytes} follows. */
  public static ByteBuf header(ByteBufAllocator alloc, MessageLite header, long payloadBytes) {
    int headerLength = header.getSerializedSize();
    long frameLength = 4L + headerLength + payloadBytes;
    if (frameLength > 0xFFFF_FFFFL - 4) {
      throw new IllegalArgumentException("frame too large: " + frameLength);
    }
    ByteBuf buf = alloc.directBuffer(Frame.PREFIX_BYTES + headerLength);
    try {
      buf.writeInt((int) frameLength);
      buf.writeInt(headerLength);
      CodedOutputStream out = CodedOutputStream.newInstance(buf.nioBuffer(buf.writerIndex(), headerLength));
      header.writeTo(out);
      out.checkNoSpaceLeft();
      buf.writerIndex(buf.writerIndex() + headerLength);
      return buf;
    } catch (IOException | RuntimeException e) {
      buf.release();
      throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
    }
  }
}
