package io.needle.protocol;

import com.google.protobuf.MessageLite;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Frames over a blocking stream, for callers that do their own I/O on their own thread instead of
 * an event loop (the client's synchronous calls). Same layout and the same checks as
 * {@link FrameWriter} and {@link FrameDecoder}: a length outside the limit is refused as soon as
 * its four bytes are read, and the buffer grows only as bytes actually arrive, so a peer that
 * announces a huge frame and sends little cannot make the reader allocate it.
 */
public final class BlockingFrames {
  private static final int FIRST_CHUNK = 64 * 1024;

  private BlockingFrames() {}

  /** Writes a frame of {@code header} alone (requests carry no payload) and flushes. */
  public static void write(OutputStream out, MessageLite header) throws IOException {
    int headerLength = header.getSerializedSize();
    byte[] frame = new byte[Frame.PREFIX_BYTES + headerLength];
    putInt(frame, 0, 4 + headerLength);
    putInt(frame, 4, headerLength);
    com.google.protobuf.CodedOutputStream coded =
        com.google.protobuf.CodedOutputStream.newInstance(frame, Frame.PREFIX_BYTES, headerLength);
    header.writeTo(coded);
    coded.checkNoSpaceLeft();
    out.write(frame);
    out.flush();
  }

  /**
   * Reads one whole frame; the caller releases it.
   *
   * @throws FrameException when a length is outside the limit or inconsistent
   * @throws EOFException when the stream ends inside a frame
   */
  public static Frame read(InputStream in, int maxFrameBytes) throws IOException {
    return read(in, maxFrameBytes, UnpooledByteBufAllocator.DEFAULT);
  }

  /**
   * Reads one whole frame into a heap buffer from {@code allocator}: a pooled allocator reuses
   * the memory of released frames (the client's blocking calls, one frame per call) instead of
   * a new array per frame. The caller releases it.
   *
   * @throws FrameException when a length is outside the limit or inconsistent
   * @throws EOFException when the stream ends inside a frame
   */
  public static Frame read(InputStream in, int maxFrameBytes, ByteBufAllocator allocator) throws IOException {
    DataInputStream data = new DataInputStream(in);
    long frameLength = data.readInt() & 0xFFFF_FFFFL;
    if (frameLength < 4 || frameLength > maxFrameBytes - 4L) {
      throw new FrameException("frame length " + frameLength + " outside [4, " + (maxFrameBytes - 4) + "]");
    }
    long headerLength = data.readInt() & 0xFFFF_FFFFL;
    if (headerLength > frameLength - 4) {
      throw new FrameException("header length " + headerLength + " exceeds frame length " + frameLength);
    }
    int bodyLength = (int) frameLength - 4;
    ByteBuf body = allocator.heapBuffer(Math.min(bodyLength, FIRST_CHUNK), bodyLength);
    try {
      while (body.writerIndex() < bodyLength) {
        body.ensureWritable(Math.min(FIRST_CHUNK, bodyLength - body.writerIndex()));
        int n = body.writeBytes(in, Math.min(body.writableBytes(), bodyLength - body.writerIndex()));
        if (n < 0) {
          throw new EOFException("stream ended " + (bodyLength - body.writerIndex()) + " bytes before the frame's end");
        }
      }
      return new Frame(body, (int) headerLength);
    } catch (IOException | RuntimeException e) {
      body.release();
      throw e;
    }
  }

  private static void putInt(byte[] b, int at, int v) {
    b[at] = (byte) (v >>> 24);
    b[at + 1] = (byte) (v >>> 16);
    b[at + 2] = (byte) (v >>> 8);
    b[at + 3] = (byte) v;
  }
}
