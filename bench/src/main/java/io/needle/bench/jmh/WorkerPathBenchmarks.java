package io.needle.bench.jmh;

import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.bench.harness.Workload;
import io.needle.protocol.Frame;
import io.needle.protocol.FrameWriter;
import io.needle.protocol.Messages;
import io.needle.protocol.proto.Key;
import io.needle.protocol.proto.LookupRequest;
import io.needle.protocol.proto.Request;
import io.needle.protocol.proto.Response;
import io.needle.protocol.proto.WorkerTimings;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The worker's side of a warm lookup, without the client: request frames encoded once at setup
 * are written to an in-process worker over a plain blocking socket and each answer is read into
 * one reused array, undecoded. The worker parses, plans, assembles and copies the pages, and
 * writes; the caller allocates nothing per call, so with {@code -prof gc} the bytes per operation
 * are the worker's (its event loop is in this JVM). The table is a {@code needle gen} table of
 * 200,000 rows in 2 files; each request names the one file whose key range holds its key, as
 * the client does.
 *
 * <p>Also the answer's header on its own: framing it with protobuf's generated code
 * ({@code toBuilder}, request id and timings, {@link FrameWriter}), as the worker did before it
 * wrote lookup headers straight from its plans ({@code LookupHeader}, package-private in the
 * worker; its cost is in {@link #presentKey}), and parsing it as the client does
 * ({@link Messages#parseResponse}), with a real answer's header of one key and twelve columns.
 * {@link WorkerAllocation} counts the worker's bytes per lookup per thread, which a loaded
 * machine does not blur.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {
    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED", "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED", "-Dchronicle.analytics.disable=true"})
public class WorkerPathBenchmarks {
  private static final long ROWS = 200_000;
  private static final int CALLS = 1024;

  private Path dir;
  private Worker worker;
  private Socket socket;
  private OutputStream out;
  private DataInputStream in;
  private byte[][] present;
  private byte[][] absent;
  private byte[] answer = new byte[1 << 20];
  private int next;
  private Response header;
  private ByteBuf headerFrame;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    dir = Files.createTempDirectory("needle-jmh-worker-");
    FeatureTable gen = new FeatureTable(GenOptions.defaults(ROWS, 2));
    List<Path> files = gen.write(dir);
    worker = Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(dir)));
    socket = new Socket();
    socket.setTcpNoDelay(true);
    socket.connect(new InetSocketAddress("127.0.0.1", worker.address().getPort()));
    out = socket.getOutputStream();
    in = new DataInputStream(new java.io.BufferedInputStream(socket.getInputStream(), 64 * 1024));
    SplittableRandom r = new SplittableRandom(1);
    present = new byte[CALLS][];
    absent = new byte[CALLS][];
    for (int i = 0; i < CALLS; i++) {
      long key = gen.keyAt(r.nextLong(ROWS));
      String path = dir.relativize(files.get(gen.fileOf(key))).toString();
      present[i] = frame(request(i, key, path));
      absent[i] = frame(request(i, key + 1, path));
    }
    int length = call(present[0]);
    ByteBuf whole = Unpooled.wrappedBuffer(answer, 0, length);
    int headerLength = whole.readInt();
    header = Messages.parseResponse(whole.slice(4, headerLength));
    if (!header.hasLookup() || header.getLookup().getPagesCount() == 0) {
      throw new IllegalStateException("the warm-up lookup found no pages: " + header);
    }
    headerFrame = FrameWriter.header(PooledByteBufAllocator.DEFAULT, header, 0);
  }

  private Request request(long id, long key, String path) {
    LookupRequest.Builder lookup = LookupRequest.newBuilder().setTableUri(dir.toUri().toString())
        .setKeyColumn(FeatureTable.KEY_COLUMN).addKeys(Key.newBuilder().setIntValue(key)).addPaths(path)
        .addAllColumns(Workload.FEATURE_COLUMNS);
    return Request.newBuilder().setRequestId(id).setLookup(lookup).build();
  }

  private static byte[] frame(Request request) {
    ByteBuf frame = FrameWriter.header(UnpooledByteBufAllocator.DEFAULT, request, 0);
    try {
      byte[] bytes = new byte[frame.readableBytes()];
      frame.readBytes(bytes);
      return bytes;
    } finally {
      frame.release();
    }
  }

  /** Writes one request frame and reads its answer (after the length prefix) into {@link #answer}. */
  private int call(byte[] request) throws IOException {
    out.write(request);
    int length = in.readInt();
    if (length > answer.length) {
      throw new IOException("answer of " + length + " bytes");
    }
    in.readFully(answer, 0, length);
    return length;
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    headerFrame.release();
    socket.close();
    worker.close();
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  @Benchmark
  public int presentKey() throws IOException {
    return call(present[next++ & (CALLS - 1)]);
  }

  @Benchmark
  public int absentKey() throws IOException {
    return call(absent[next++ & (CALLS - 1)]);
  }

  @Benchmark
  public int responseHeaderEncode() {
    Response.Builder b = header.toBuilder().setRequestId(next++);
    b.getLookupBuilder().setTimings(WorkerTimings.newBuilder().setPlanNanos(1000).setReadNanos(1000));
    ByteBuf frame = FrameWriter.header(PooledByteBufAllocator.DEFAULT, b.build(), 12_000);
    int n = frame.readableBytes();
    frame.release();
    return n;
  }

  @Benchmark
  public Response responseHeaderDecode() throws IOException {
    ByteBuf h = headerFrame.duplicate();
    h.skipBytes(Frame.PREFIX_BYTES);
    return Messages.parseResponse(h);
  }
}
