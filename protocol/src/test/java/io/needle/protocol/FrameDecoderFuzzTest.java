package io.needle.protocol;

import io.needle.testsupport.SeededRuns;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The frame decoder (T13 target 1) against a reference parser, on byte streams generated from
 * the frame format: whole frames of any header/payload split, then boundary lengths (0, 3, 4,
 * the limit and one past it, 2^31-1, 2^32-1), header lengths past the frame, and raw garbage,
 * cut into arbitrary socket reads, with the server's gate shutting and opening between reads.
 * Every frame before the first bad length comes out whole and in order, the bad one closes with
 * a typed {@link FrameException} and nothing else, no buffer leaks, and the decoder never holds
 * more than the limit plus one read. Inputs come from a seeded {@link SplittableRandom}; a failure
 * names its seed ({@link SeededRuns}). Short run by default, long under {@code -Dsoak}.
 */
class FrameDecoderFuzzTest {
  private static final int MAX = 4096;

  /** One generated piece of the stream: a whole frame (header, payload) or raw bytes. */
  record Piece(byte[] bytes, boolean wholeFrame) {}

  private static final long[] BOUNDARIES = {0L, 3L, 4L, MAX - 5L, MAX - 4L, MAX - 3L, (1L << 31) - 1, (1L << 32) - 1};

  /** Whole frames 8 times in 10, a boundary length or garbage once each, up to 12 pieces. */
  static List<Piece> stream(SplittableRandom r) {
    List<Piece> pieces = new ArrayList<>();
    for (int n = r.nextInt(13); n > 0; n--) {
      int kind = r.nextInt(10);
      if (kind < 8) {
        byte[] header = bytes(r, r.nextInt(301));
        byte[] payload = bytes(r, r.nextInt(301));
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + payload.length);
        b.putInt(4 + header.length + payload.length).putInt(header.length).put(header).put(payload);
        pieces.add(new Piece(b.array(), true));
      } else if (kind == 8) {
        long declared = BOUNDARIES[r.nextInt(BOUNDARIES.length)];
        ByteBuffer b = ByteBuffer.allocate(8 + (int) Math.min(declared, 64L));
        b.putInt((int) declared).putInt((int) r.nextLong(1L << 32));
        pieces.add(new Piece(b.array(), false));
      } else {
        pieces.add(new Piece(bytes(r, 1 + r.nextInt(64)), false));
      }
    }
    return pieces;
  }

  static byte[] bytes(SplittableRandom r, int length) {
    byte[] b = new byte[length];
    for (int i = 0; i < length; i++) {
      b[i] = (byte) r.nextInt(256);
    }
    return b;
  }

  /** Socket read sizes of 1-700 bytes. */
  static List<Integer> cuts(SplittableRandom r) {
    List<Integer> cuts = new ArrayList<>();
    for (int n = 1 + r.nextInt(20); n > 0; n--) {
      cuts.add(1 + r.nextInt(700));
    }
    return cuts;
  }

  /** The gate's state per read, open two times in three. */
  static List<Boolean> gates(SplittableRandom r) {
    List<Boolean> gates = new ArrayList<>();
    for (int n = 1 + r.nextInt(20); n > 0; n--) {
      gates.add(r.nextInt(3) != 0);
    }
    return gates;
  }

  @Test
  void cutsWholeFramesInOrderOrClosesTyped() {
    SeededRuns.run(1_000, r -> check(stream(r), cuts(r), gates(r)));
  }

  @Test
  @Tag("soak")
  void cutsWholeFramesInOrderOrClosesTypedLong() {
    SeededRuns.run(200_000, r -> check(stream(r), cuts(r), gates(r)));
  }

  /** The reference: frames as the format defines them, up to the first invalid one. */
  private static List<byte[]> reference(byte[] stream, boolean[] invalid) {
    List<byte[]> frames = new ArrayList<>();
    ByteBuffer b = ByteBuffer.wrap(stream);
    while (b.remaining() >= 4) {
      long length = Integer.toUnsignedLong(b.getInt(b.position()));
      if (length < 4 || length > MAX - 4) {
        invalid[0] = true;
        return frames;
      }
      if (b.remaining() < 4 + length) {
        return frames;
      }
      long headerLength = Integer.toUnsignedLong(b.getInt(b.position() + 4));
      if (headerLength > length - 4) {
        invalid[0] = true;
        return frames;
      }
      byte[] frame = new byte[(int) (4 + length)];
      b.get(frame);
      frames.add(frame);
    }
    return frames;
  }

  static void check(List<Piece> pieces, List<Integer> cuts, List<Boolean> gates) throws Exception {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    for (Piece p : pieces) {
      all.write(p.bytes());
    }
    byte[] stream = all.toByteArray();
    boolean[] invalid = new boolean[1];
    List<byte[]> expected = reference(stream, invalid);

    boolean[] open = {true};
    int[] most = {0};
    FrameDecoder decoder = new FrameDecoder(MAX, new FrameDecoder.Gate() {
      @Override
      public boolean open() {
        return open[0];
      }

      @Override
      public void buffered(ChannelHandlerContext ctx, int bytes) {
        most[0] = Math.max(most[0], bytes);
      }
    });
    EmbeddedChannel ch = new EmbeddedChannel(decoder);
    List<byte[]> got = new ArrayList<>();
    boolean closedTyped = false;
    int at = 0;
    int largestRead = 0;
    try {
      for (int i = 0; at < stream.length; i++) {
        int n = Math.min(cuts.get(i % cuts.size()), stream.length - at);
        largestRead = Math.max(largestRead, n);
        open[0] = gates.get(i % gates.size());
        ch.writeInbound(Unpooled.wrappedBuffer(stream, at, n));
        at += n;
        drain(ch, got);
        if (!open[0]) { // the server stops reading while shut; a slot frees, it opens and resumes
          open[0] = true;
          decoder.resume();
          drain(ch, got);
        }
      }
      open[0] = true;
      decoder.resume();
      drain(ch, got);
    } catch (DecoderException e) {
      assertThat(e instanceof FrameException || e.getCause() instanceof FrameException).as("%s", e).isTrue();
      closedTyped = true;
      drain(ch, got);
    }
    assertThat(closedTyped).as("closed on a bad length exactly when the reference finds one").isEqualTo(invalid[0]);
    assertThat(got).hasSameSizeAs(expected);
    for (int i = 0; i < got.size(); i++) {
      assertThat(got.get(i)).as("frame %d", i).isEqualTo(Arrays.copyOfRange(expected.get(i), 4, expected.get(i).length));
    }
    assertThat(most[0]).as("bytes held at once").isLessThanOrEqualTo(MAX + largestRead);
    ch.finishAndReleaseAll();
  }

  /** Frame bytes after the length field (header length, header, payload), each frame released. */
  private static void drain(EmbeddedChannel ch, List<byte[]> got) {
    for (Frame f; (f = ch.readInbound()) != null; ) {
      try {
        ByteBuf out = Unpooled.buffer();
        out.writeInt(f.header().readableBytes()).writeBytes(f.header().duplicate()).writeBytes(f.payload().duplicate());
        byte[] bytes = new byte[out.readableBytes()];
        out.readBytes(bytes);
        got.add(bytes);
      } finally {
        f.release();
      }
    }
  }
}
