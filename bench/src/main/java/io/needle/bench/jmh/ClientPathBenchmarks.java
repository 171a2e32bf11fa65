package io.needle.bench.jmh;

import com.google.protobuf.CodedInputStream;
import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.bench.harness.Workload;
import io.needle.client.Row;
import io.needle.decode.AnswerHeader;
import io.needle.decode.FileSchema;
import io.needle.decode.KeyMatcher;
import io.needle.decode.PageSegments;
import io.needle.decode.RowGroupDecoder;
import io.needle.protocol.FrameWriter;
import io.needle.protocol.Messages;
import io.needle.protocol.proto.Key;
import io.needle.protocol.proto.LookupRequest;
import io.needle.protocol.proto.Request;
import io.needle.protocol.proto.Response;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The client's stages of a warm lookup on one real answer (one key, twelve columns of a
 * {@code needle gen} table, fetched once from an in-process worker at setup), each on one thread,
 * so {@code -prof gc}'s bytes per operation are the stage's own:
 * <ul>
 *   <li>the reply header: protobuf's generated parser of the whole {@code Response}
 *       ({@link #headerProtobuf}, what the client did) against the flat read of its lookup answer
 *       ({@link #headerFlat}, what {@code ReplyHeader} does: the request id, then an
 *       {@link AnswerHeader});
 *   <li>decompress and decode of the answer's row groups from the payload in place, on the heap
 *       (the blocking socket's frames) or in direct memory (Netty's pooled frames):
 *       {@link #decode} with {@code memory}.
 * </ul>
 * {@link ClientAllocation} counts a whole warm lookup's client bytes on the calling thread.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {
    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED", "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED", "-Dchronicle.analytics.disable=true"})
public class ClientPathBenchmarks {
  private static final long ROWS = 200_000;

  @Param({"heap", "direct"})
  String memory;

  private Path dir;
  private byte[] header;
  private AnswerHeader answer;
  private PageSegments pages;
  private RowGroupDecoder<Row> decoder;
  private KeyMatcher matcher;
  private int matched;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    dir = Files.createTempDirectory("needle-jmh-client-");
    FeatureTable gen = new FeatureTable(GenOptions.defaults(ROWS, 2));
    List<Path> files = gen.write(dir);
    long key = gen.keyAt(ROWS / 3);
    Path file = files.get(gen.fileOf(key));
    byte[] frame;
    try (Worker worker = Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(dir)));
        Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", worker.address().getPort()));
      Request request = Request.newBuilder().setRequestId(1).setLookup(LookupRequest.newBuilder()
          .setTableUri(dir.toUri().toString()).setKeyColumn(FeatureTable.KEY_COLUMN).addKeys(Key.newBuilder().setIntValue(key))
          .addPaths(dir.relativize(file).toString()).addAllColumns(Workload.FEATURE_COLUMNS)).build();
      ByteBuf out = FrameWriter.header(UnpooledByteBufAllocator.DEFAULT, request, 0);
      byte[] bytes = new byte[out.readableBytes()];
      out.readBytes(bytes);
      out.release();
      socket.getOutputStream().write(bytes);
      DataInputStream in = new DataInputStream(socket.getInputStream());
      frame = new byte[in.readInt()];
      in.readFully(frame);
    }
    int headerLength = ByteBuffer.wrap(frame).getInt();
    header = Arrays.copyOfRange(frame, 4, 4 + headerLength);
    answer = headerFlat();
    Response oracle = headerProtobuf();
    if (answer.pageCount() != oracle.getLookup().getPagesCount() || answer.fileCount() != 1) {
      throw new IllegalStateException("the flat header disagrees with protobuf's: " + oracle);
    }
    byte[] payload = Arrays.copyOfRange(frame, 4 + headerLength, frame.length);
    ByteBuffer bytes = memory.equals("direct") ? ByteBuffer.allocateDirect(payload.length).put(payload).clear()
        : ByteBuffer.wrap(payload);
    int[] starts = new int[answer.pageCount()];
    int[] lengths = new int[answer.pageCount()];
    for (int p = 0, at = 0; p < starts.length; at += answer.pageLength(p), p++) {
      starts[p] = at;
      lengths[p] = answer.pageLength(p);
    }
    pages = PageSegments.of(bytes, starts, lengths);
    decoder = new RowGroupDecoder<>(FileSchema.parse(footer(Files.readAllBytes(file))), FeatureTable.KEY_COLUMN,
        Workload.FEATURE_COLUMNS, Row::of);
    matcher = KeyMatcher.ofLongs(new long[] {key});
    if (decode() != 1) {
      throw new IllegalStateException("key " + key + " not found in its answer");
    }
  }

  private static byte[] footer(byte[] file) {
    int length = ByteBuffer.wrap(file, file.length - 8, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt();
    return Arrays.copyOfRange(file, file.length - 8 - length, file.length - 8);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  @Benchmark
  public Response headerProtobuf() throws IOException {
    return Messages.parseResponse(Unpooled.wrappedBuffer(header));
  }

  /** As the client's {@code ReplyHeader} reads a lookup answer: request id, then the answer flat. */
  @Benchmark
  public AnswerHeader headerFlat() throws IOException {
    CodedInputStream in = CodedInputStream.newInstance(header);
    in.setRecursionLimit(16);
    AnswerHeader.Reader reader = null;
    long requestId = 0;
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == 1 << 3) {
        requestId = in.readUInt64();
      } else if (tag == (10 << 3 | 2)) {
        int old = in.pushLimit(in.readRawVarint32());
        reader = reader == null ? new AnswerHeader.Reader(1, 16) : reader;
        reader.mergeFrom(in);
        in.popLimit(old);
      } else {
        throw new IllegalStateException("field " + (tag >>> 3) + " in a lookup answer, request " + requestId);
      }
    }
    return reader.build();
  }

  /** Every row group of the answer's file, decompressed and decoded from the payload in place. */
  @Benchmark
  public int decode() throws Exception {
    matched = 0;
    for (int rg = answer.firstRowGroup(0); rg < answer.rowGroupEnd(0); rg++) {
      decoder.decode(answer, rg, pages, matcher, (ordinal, row, value) -> matched++);
    }
    return matched;
  }
}
