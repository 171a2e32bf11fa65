package io.needle.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.util.AbstractReferenceCounted;
import io.netty.util.ReferenceCounted;

import static java.util.Objects.requireNonNull;

/**
 * One received frame: a protobuf header and the raw payload segments that follow it.
 *
 * <pre>
 *  0               4               8
 *  +---------------+---------------+----------------------+------------------------------+
 *  | frame length  | header length |  header (protobuf)   | payload segments (raw bytes) |
 *  | u32 BE        | u32 BE        |  header length bytes | frame length - 4 - header    |
 *  +---------------+---------------+----------------------+------------------------------+
 * </pre>
 *
 * The frame length counts everything after itself. Requests carry no payload; lookup responses
 * carry Parquet pages whose lengths the header lists in order. A {@code Frame} owns the buffer it
 * was cut from: release it exactly once, after the header is parsed and the payload is consumed
 * (slices of the payload are only valid until then unless retained).
 */
public final class Frame extends AbstractReferenceCounted {
  /** Bytes of the two length fields. */
  public static final int PREFIX_BYTES = 8;

  private final ByteBuf frame;
  private final ByteBuf header;
  private final ByteBuf payload;

  Frame(ByteBuf frame, int headerLength) {
    this.frame = requireNonNull(frame, "frame is null");
    this.header = frame.slice(frame.readerIndex(), headerLength);
    this.payload = frame.slice(frame.readerIndex() + headerLength, frame.readableBytes() - headerLength);
  }

  /**
   * A frame over {@code headerAndPayload} (the bytes after the two length fields), which it takes
   * over: for a frame that never crossed a socket (an in-process worker).
   */
  public static Frame of(ByteBuf headerAndPayload, int headerLength) {
    if (headerLength < 0 || headerLength > headerAndPayload.readableBytes()) {
      throw new IllegalArgumentException("header length " + headerLength + " outside "
          + headerAndPayload.readableBytes() + " bytes");
    }
    return new Frame(headerAndPayload, headerLength);
  }

  /** The protobuf header bytes; valid while this frame is not released. */
  public ByteBuf header() {
    return header;
  }

  /** The payload segments, back to back; valid while this frame is not released. */
  public ByteBuf payload() {
    return payload;
  }

  @Override
  protected void deallocate() {
    frame.release();
  }

  @Override
  public ReferenceCounted touch(Object hint) {
    frame.touch(hint);
    return this;
  }
}
