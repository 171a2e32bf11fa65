package io.needle.bench.jmh;

import io.needle.protocol.Messages;
import io.needle.protocol.FrameWriter;
import io.needle.protocol.proto.Key;
import io.needle.protocol.proto.LookupRequest;
import io.needle.protocol.proto.Request;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The request side of the frame codec: building a lookup request's protobuf header, framing it
 * with {@link FrameWriter}, and parsing it back with {@link Messages#parseRequest}, for one key
 * and for a batch of 100.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FrameCodecBenchmarks {
  @Param({"1", "100"})
  int keys;

  private Request request;
  private ByteBuf encoded;

  @Setup
  public void setUp() {
    request = build(keys);
    encoded = FrameWriter.header(PooledByteBufAllocator.DEFAULT, request, 0);
  }

  static Request build(int n) {
    LookupRequest.Builder b = LookupRequest.newBuilder().setTableUri("file:///data/features/")
        .setKeyColumn("user_id");
    for (int i = 0; i < n; i++) {
      b.addKeys(Key.newBuilder().setIntValue(3L * i + 7));
    }
    for (String c : io.needle.bench.harness.Workload.FEATURE_COLUMNS) {
      b.addColumns(c);
    }
    return Request.newBuilder().setRequestId(1).setLookup(b).build();
  }

  @Benchmark
  public int encode() {
    ByteBuf frame = FrameWriter.header(PooledByteBufAllocator.DEFAULT, build(keys), 0);
    int n = frame.readableBytes();
    frame.release();
    return n;
  }

  @Benchmark
  public Request decode() throws Exception {
    ByteBuf header = encoded.duplicate();
    header.skipBytes(8); // the length prefix
    return Messages.parseRequest(header);
  }
}
