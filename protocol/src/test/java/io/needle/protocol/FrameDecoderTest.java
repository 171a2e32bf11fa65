package io.needle.protocol;

import io.needle.protocol.proto.LookupRequest;
import io.needle.protocol.proto.Request;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FrameDecoderTest {
  private static final int MAX = 1024;

  private static Request request(String table) {
    return Request.newBuilder().setRequestId(7).setLookup(LookupRequest.newBuilder().setTableUri(table)).build();
  }

  @Test
  void roundTripsHeaderAndPayload() throws Exception {
    EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(MAX));
    ByteBuf header = FrameWriter.header(ch.alloc(), request("file:///t"), 3);
    ch.writeInbound(header, Unpooled.wrappedBuffer(new byte[] {1, 2, 3}));
    Frame frame = ch.readInbound();
    try {
      assertThat(Messages.parseRequest(frame.header())).isEqualTo(request("file:///t"));
      assertThat(frame.payload().readableBytes()).isEqualTo(3);
      assertThat(frame.payload().getByte(frame.payload().readerIndex() + 2)).isEqualTo((byte) 3);
    } finally {
      frame.release();
    }
    assertThat(ch.finish()).isFalse();
  }

  @Test
  void waitsForTruncatedFrameWithoutEmitting() {
    EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(MAX));
    ByteBuf whole = FrameWriter.header(ch.alloc(), request("file:///t"), 0);
    ByteBuf firstHalf = whole.readRetainedSlice(whole.readableBytes() / 2);
    ch.writeInbound(firstHalf);
    assertThat((Object) ch.readInbound()).isNull();
    ch.writeInbound(whole);
    Frame frame = ch.readInbound();
    assertThat(frame).isNotNull();
    frame.release();
    assertThat(ch.finish()).isFalse();
  }

  @Test
  void rejectsFrameLongerThanLimitAsSoonAsItsLengthArrives() {
    EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(MAX));
    ByteBuf lengthOnly = Unpooled.buffer().writeInt(MAX); // over MAX - 4, no body sent yet
    assertThatThrownBy(() -> ch.writeInbound(lengthOnly))
        .isInstanceOf(FrameException.class);
    ch.finishAndReleaseAll();
  }

  @Test
  void rejectsLengthsOfZeroNegativeAndMaxInt() {
    for (int length : new int[] {0, 3, -1, Integer.MAX_VALUE, Integer.MIN_VALUE}) {
      EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(MAX));
      ByteBuf buf = Unpooled.buffer().writeInt(length).writeInt(0);
      assertThatThrownBy(() -> ch.writeInbound(buf)).as("length %d", length).isInstanceOf(FrameException.class);
      ch.finishAndReleaseAll();
    }
  }

  @Test
  void rejectsHeaderLongerThanFrame() {
    EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(MAX));
    ByteBuf buf = Unpooled.buffer().writeInt(8).writeInt(100).writeInt(0);
    assertThatThrownBy(() -> ch.writeInbound(buf)).isInstanceOf(FrameException.class);
    ch.finishAndReleaseAll();
  }

  @Test
  void decodesBackToBackFramesFromOneBuffer() throws Exception {
    EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(MAX));
    ByteBuf both = Unpooled.wrappedBuffer(FrameWriter.header(ch.alloc(), request("a"), 0),
        FrameWriter.header(ch.alloc(), request("b"), 0));
    ch.writeInbound(both);
    for (String expected : new String[] {"a", "b"}) {
      Frame f = ch.readInbound();
      assertThat(Messages.parseRequest(f.header()).getLookup().getTableUri()).isEqualTo(expected);
      f.release();
    }
    assertThat(ch.finish()).isFalse();
  }
}
