package io.needle.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.util.List;

/**
 * Cuts the inbound byte stream into {@link Frame}s and enforces the maximum frame size.
 *
 * <p>Unlike Netty's {@code LengthFieldBasedFrameDecoder}, which discards an oversized frame and
 * stays in sync, a length over the limit here closes the connection at once: a peer that sends
 * one is broken or hostile, and nothing it sends afterwards is worth buffering. The limit is
 * checked as soon as the 4 length bytes arrive, so no more than {@code maxFrameBytes} plus one
 * socket read is ever buffered for a frame.
 */
public final class FrameDecoder extends ByteToMessageDecoder {
  private final int maxFrameBytes;

  public FrameDecoder(int maxFrameBytes) {
    if (maxFrameBytes < Frame.PREFIX_BYTES) {
      throw new IllegalArgumentException("maxFrameBytes too small: " + maxFrameBytes);
    }
    this.maxFrameBytes = maxFrameBytes;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws FrameException {
    if (in.readableBytes() < 4) {
      return;
    }
    long frameLength = in.getUnsignedInt(in.readerIndex());
    if (frameLength < 4 || frameLength > maxFrameBytes - 4L) {
      in.skipBytes(in.readableBytes());
      throw new FrameException("frame length " + frameLength + " outside [4, " + (maxFrameBytes - 4) + "]");
    }
    if (in.readableBytes() < 4 + frameLength) {
      return;
    }
    long headerLength = in.getUnsignedInt(in.readerIndex() + 4);
    if (headerLength > frameLength - 4) {
      in.skipBytes(in.readableBytes());
      throw new FrameException("header length " + headerLength + " exceeds frame length " + frameLength);
    }
    in.skipBytes(Frame.PREFIX_BYTES);
    ByteBuf body = in.readRetainedSlice((int) frameLength - 4);
    out.add(new Frame(body, (int) headerLength));
  }
}
