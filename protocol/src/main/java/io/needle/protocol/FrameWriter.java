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

  /** Writes a header's protobuf bytes; exactly the length it was framed with. */
  @FunctionalInterface
  public interface HeaderBody {
    void writeTo(CodedOutputStream out) throws IOException;
  }

  /** Prefix and header of a frame whose payload of {@code payloadBytes} follows. */
  public static ByteBuf header(ByteBufAllocator alloc, MessageLite header, long payloadBytes) {
    return header(alloc, header.getSerializedSize(), header::writeTo, payloadBytes);
  }

  /**
   * Prefix and header of a frame whose payload of {@code payloadBytes} follows, the header written
   * by {@code body} (for a header encoded without building its message); {@code body} must write
   * exactly {@code headerLength} bytes.
   */
  public static ByteBuf header(ByteBufAllocator alloc, int headerLength, HeaderBody body, long payloadBytes) {
    long frameLength = 4L + headerLength + payloadBytes;
    if (frameLength > 0xFFFF_FFFFL - 4) {
      throw new IllegalArgumentException("frame too large: " + frameLength);
    }
    ByteBuf buf = alloc.directBuffer(Frame.PREFIX_BYTES + headerLength);
    try {
      buf.writeInt((int) frameLength);
      buf.writeInt(headerLength);
      CodedOutputStream out = CodedOutputStream.newInstance(buf.nioBuffer(buf.writerIndex(), headerLength));
      body.writeTo(out);
      out.checkNoSpaceLeft();
      buf.writerIndex(buf.writerIndex() + headerLength);
      return buf;
    } catch (IOException | RuntimeException e) {
      buf.release();
      throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
    }
  }
}
