package io.needle.pagestore.bench;

import io.needle.pagestore.EvictionPolicy;
import io.needle.pagestore.PageHandle;
import io.needle.pagestore.PageKey;
import io.needle.pagestore.PageStore;
import io.needle.pagestore.PageStoreConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * put, get-hit and the send paths of the page store, 8 KiB pages by default.
 *
 * <ul>
 *   <li>{@code put}: a new page into a full store (eviction included), no sync on seal.
 *   <li>{@code getHit}: index lookup + pin + record header check + release.
 *   <li>{@code sendfile}: get, then {@code FileChannel.transferTo} to a loopback TCP socket that a
 *       thread drains (what a Netty FileRegion does), then release.
 *   <li>{@code mappedSlice}: get, then write the mapped slice to the socket (no heap copy).
 *   <li>{@code heapCopy}: baseline: get, read the page into a heap buffer, write that.
 * </ul>
 *
 * Run: see page-store/BENCHMARKS.md. {@code main} takes JMH's usual options.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {
    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED", "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED", "-Dchronicle.analytics.disable=true", "-Xmx1g"})
public class PageStoreBenchmarks {
  private static final int CACHED_PAGES = 16_384;

  @Param({"8192"})
  public int pageBytes;

  private Path dir;
  private PageStore store;
  private PageKey[] cached;
  private ByteBuffer page;
  private long nextNewKey;
  private int nextHit;
  private ServerSocketChannel server;
  private SocketChannel socket;
  private Thread drain;
  private ByteBuffer heap;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = Files.createTempDirectory("pagestore-bench");
    long capacity = 512L * 1024 * 1024; // 2x the cached pages, so gets never miss
    store = PageStore.open(new PageStoreConfig(dir, capacity, 16 * 1024 * 1024, EvictionPolicy.LRU, false, pageBytes,
        "bench", false, false));
    byte[] bytes = new byte[pageBytes];
    new SplittableRandom(1).nextBytes(bytes);
    page = ByteBuffer.allocateDirect(pageBytes).put(bytes).flip();
    cached = new PageKey[CACHED_PAGES];
    for (int i = 0; i < CACHED_PAGES; i++) {
      cached[i] = PageKey.of("s3://bench/table/part-" + (i % 64) + ".parquet|etag", i * (long) pageBytes);
      if (!store.put(cached[i], page)) {
        throw new IllegalStateException("prefill refused at " + i);
      }
    }
    heap = ByteBuffer.allocate(pageBytes);
    server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
    socket = SocketChannel.open(server.getLocalAddress());
    SocketChannel accepted = server.accept();
    drain = Thread.ofPlatform().daemon().start(() -> {
      ByteBuffer sink = ByteBuffer.allocateDirect(1 << 20);
      try {
        while (accepted.read(sink.clear()) >= 0) {
          // discard
        }
      } catch (IOException e) {
        // socket closed at tear-down
      }
    });
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException, InterruptedException {
    socket.close();
    server.close();
    drain.join(5_000);
    store.close();
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private PageKey nextCached() {
    int i = nextHit;
    nextHit = (i + 7919) & (CACHED_PAGES - 1);
    return cached[i];
  }

  @Benchmark
  public boolean put() {
    long n = nextNewKey++;
    return store.put(PageKey.of("s3://bench/table/new-" + (n & 63) + ".parquet|etag", n * pageBytes), page);
  }

  @Benchmark
  public int getHit() {
    PageHandle h = store.get(nextCached());
    int crc = h.crc32c();
    h.release();
    return crc;
  }

  @Benchmark
  public long sendfile() throws IOException {
    PageHandle h = store.get(nextCached());
    try {
      long position = h.position();
      long end = position + h.length();
      while (position < end) {
        position += h.channel().transferTo(position, end - position, socket);
      }
      return position;
    } finally {
      h.release();
    }
  }

  @Benchmark
  public int mappedSlice() throws IOException {
    PageHandle h = store.get(nextCached());
    try {
      ByteBuffer slice = h.slice();
      int sent = 0;
      while (slice.hasRemaining()) {
        sent += socket.write(slice);
      }
      return sent;
    } finally {
      h.release();
    }
  }

  @Benchmark
  public int heapCopy() throws IOException {
    PageHandle h = store.get(nextCached());
    try {
      heap.clear();
      long position = h.position();
      while (heap.hasRemaining()) {
        position += h.channel().read(heap, position);
      }
      heap.flip();
      int sent = 0;
      while (heap.hasRemaining()) {
        sent += socket.write(heap);
      }
      return sent;
    } finally {
      h.release();
    }
  }

  public static void main(String[] args) throws RunnerException, org.openjdk.jmh.runner.options.CommandLineOptionException {
    CommandLineOptions cli = new CommandLineOptions(args);
    new Runner(new OptionsBuilder().parent(cli).include(cli.getIncludes().isEmpty()
        ? PageStoreBenchmarks.class.getSimpleName() : cli.getIncludes().get(0)).build()).run();
  }
}
