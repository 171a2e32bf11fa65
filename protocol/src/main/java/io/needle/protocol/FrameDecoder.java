package io.needle.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * Cuts the inbound byte stream into {@link Frame}s and enforces the maximum frame size.
 *
 * <p>Unlike Netty's {@code LengthFieldBasedFrameDecoder}, which discards an oversized frame and
 * stays in sync, a length over the limit here closes the connection at once: a peer that sends
 * one is broken or hostile, and nothing it sends afterwards is worth buffering. The limit is
 * checked as soon as the 4 length bytes arrive, so no more than {@code maxFrameBytes} plus one
 * socket read is ever buffered for a frame. The buffer grows with the bytes that arrive, never to
 * the declared length ahead of them.
 *
 * <p>A server passes a {@link Gate}: while it is shut, complete frames stay in the buffer
 * uncut (the server turns reading off, so that is at most one socket read), and {@link #resume}
 * cuts them once it opens. So a client pipelining past the server's in-flight cap gets no frame
 * dispatched beyond it, however many one read carried.
 */
public final class FrameDecoder extends ByteToMessageDecoder {
  /** How a server paces one connection's frames; called on its event loop only. */
  public interface Gate {
    /** False while the connection may not start another request: frames stay buffered, uncut. */
    boolean open();

    /** After each read: the bytes now held for this connection (a partial frame, or frames waiting). */
    void buffered(ChannelHandlerContext ctx, int bytes) throws FrameException;
  }

  private static final Gate ALWAYS_OPEN = new Gate() {
    @Override
    public boolean open() {
      return true;
    }

    @Override
    public void buffered(ChannelHandlerContext ctx, int bytes) {}
  };

  private final int maxFrameBytes;
  private final Gate gate;
  private ChannelHandlerContext ctx;
  private boolean reading;

  public FrameDecoder(int maxFrameBytes) {
    this(maxFrameBytes, ALWAYS_OPEN);
  }

  public FrameDecoder(int maxFrameBytes, Gate gate) {
    if (maxFrameBytes < Frame.PREFIX_BYTES) {
      throw new IllegalArgumentException("maxFrameBytes too small: " + maxFrameBytes);
    }
    this.maxFrameBytes = maxFrameBytes;
    this.gate = requireNonNull(gate, "gate is null");
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    reading = true;
    try {
      super.channelRead(ctx, msg);
    } finally {
      reading = false;
    }
    if (ctx.channel().isActive()) {
      gate.buffered(ctx, actualReadableBytes());
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
    if (gate.open()) {
      super.channelReadComplete(ctx);
    } else {
      // Not super: with reading off and no frame cut, it would ask for one more read, and then
      // another -- buffering without bound exactly while the server wants the client paused.
      discardSomeReadBytes();
      ctx.fireChannelReadComplete();
    }
  }

  /**
   * Cuts the frames that waited while the gate was shut; call on the event loop when it opens.
   * A no-op while this decoder is delivering a frame: its loop asks the gate again before the next.
   */
  public void resume() throws Exception {
    if (!reading && ctx != null && !ctx.isRemoved() && actualReadableBytes() > 0) {
      channelRead(ctx, Unpooled.EMPTY_BUFFER);
    }
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws FrameException {
    if (in.readableBytes() < 4 || !gate.open()) {
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
