package io.needle.protocol;

import io.needle.protocol.proto.Response;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Frames read from a blocking stream into a pooled heap buffer: the same bytes as written. */
class BlockingFramesTest {
  @Test
  void readsHeaderAndPayloadIntoAPooledHeapBuffer() throws Exception {
    Response header = Response.newBuilder().setRequestId(42).build();
    byte[] payload = new byte[100_000]; // over the first 64 KiB chunk: the buffer grows as bytes arrive
    Arrays.fill(payload, (byte) 7);
    byte[] wire = frame(header, payload);
    PooledByteBufAllocator allocator = new PooledByteBufAllocator(false);
    for (int i = 0; i < 3; i++) { // released frames give their memory back for the next
      Frame frame = BlockingFrames.read(new ByteArrayInputStream(wire), 1 << 20, allocator);
      try {
        assertThat(frame.header().hasArray()).isTrue();
        assertThat(Messages.parseResponse(frame.header())).isEqualTo(header);
        assertThat(ByteBufUtil.getBytes(frame.payload())).isEqualTo(payload);
      } finally {
        assertThat(frame.release()).isTrue();
      }
    }
    assertThat(allocator.metric().heapArenas().stream().mapToLong(a -> a.numActiveAllocations()).sum()).isZero();
  }

  @Test
  void aStreamEndingInsideTheFrameFailsAndKeepsNoBuffer() throws Exception {
    byte[] wire = frame(Response.newBuilder().setRequestId(1).build(), new byte[500]);
    PooledByteBufAllocator allocator = new PooledByteBufAllocator(false);
    assertThatThrownBy(() -> BlockingFrames.read(new ByteArrayInputStream(Arrays.copyOf(wire, wire.length - 10)),
        1 << 20, allocator)).isInstanceOf(EOFException.class);
    assertThat(allocator.metric().heapArenas().stream().mapToLong(a -> a.numActiveAllocations()).sum()).isZero();
  }

  private static byte[] frame(Response header, byte[] payload) throws Exception {
    byte[] h = header.toByteArray();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    java.io.DataOutputStream data = new java.io.DataOutputStream(out);
    data.writeInt(4 + h.length + payload.length);
    data.writeInt(h.length);
    data.write(h);
    data.write(payload);
    return out.toByteArray();
  }
}
