package io.needle.testing.e2e;

import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.protocol.proto.DescribeRequest;
import io.needle.protocol.proto.ErrorCode;
import io.needle.protocol.proto.Key;
import io.needle.protocol.proto.LookupRequest;
import io.needle.protocol.proto.RefreshRequest;
import io.needle.protocol.proto.Request;
import io.needle.protocol.proto.Response;
import io.needle.worker.RepagingConfig;
import io.needle.worker.ServerLimits;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import io.needle.worker.WorkerSecurity;
import io.needle.worker.hooks.TestHooks;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The probes of issue 13, each as a hostile client would run them against a real worker on
 * loopback, each followed by a well-behaved client that must get correct rows (checked against
 * the generator) within its request timeout. Counts and sizes are scaled for a shared 2-core
 * machine; {@code -Dneedle.spellings=1000000} runs the spelling probe at the size.
 */
class HostileClientsTest {
  @TempDir
  static Path dir;

  static FeatureTable generator;
  static Path users;
  /** Senders and floods block on sockets: their own threads, never the (1-thread) common pool. */
  static final java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newCachedThreadPool();

  @BeforeAll
  static void setUp() throws Exception {
    generator = new FeatureTable(GenOptions.defaults(8_000, 2));
    users = dir.resolve("users");
    generator.write(users);
  }

  @AfterAll
  static void noLeaks() throws Exception {
    threads.shutdownNow();
    LeakRecorder.assertNoLeaks();
  }

  private static WorkerConfig config(ServerLimits limits) {
    return WorkerConfig.defaults("127.0.0.1", 0, List.of(dir)).withManifestTtl(Duration.ofMinutes(10))
        .withServerLimits(limits);
  }

  private static void assertServesOthers(Worker worker) {
    GoodClient.assertServes(worker, generator, users, 8_000);
  }

  private static long heapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static Request lookup(long id, String tableUri, long key) {
    return Request.newBuilder().setRequestId(id).setLookup(LookupRequest.newBuilder().setTableUri(tableUri)
        .setKeyColumn(FeatureTable.KEY_COLUMN).addKeys(Key.newBuilder().setIntValue(key)).addColumns("user_id")).build();
  }

  /** The spelling of {@code users} numbered {@code i}: every bit of i is a {@code /.} or a {@code //}. */
  private static String spelling(int i) {
    StringBuilder s = new StringBuilder(users.getParent().toString());
    for (int bit = 0; bit < 21; bit++) {
      s.append((i >>> bit & 1) == 0 ? "/." : "//");
    }
    return s.append("/users").toString();
  }

  /**
   * Sends {@code count} requests pipelined on one connection while reading the replies on this
   * thread; returns how many replies had each error code (ERROR_CODE_UNSPECIFIED: no error).
   */
  private static Map<ErrorCode, Integer> pipeline(Worker worker, int count, IntFunction<Request> request)
      throws Exception {
    try (Raw raw = new Raw(worker.address(), null)) {
      CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
        try {
          for (int i = 0; i < count; i++) {
            raw.write(request.apply(i));
          }
          raw.out.flush();
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }, threads);
      Map<ErrorCode, Integer> codes = new EnumMap<>(ErrorCode.class);
      for (int i = 0; i < count; i++) {
        codes.merge(raw.receive().getError().getCode(), 1, Integer::sum);
      }
      sent.join();
      return codes;
    }
  }

  @Test
  void distinctSpellingsOfOneTableLeaveTheHeapFlat() throws Exception {
    spellingsLeaveTheHeapFlat(Integer.getInteger("needle.spellings", 20_000));
  }

  @Test
  @org.junit.jupiter.api.Tag("soak")
  void aMillionSpellingsOfOneTableLeaveTheHeapFlat() throws Exception {
    spellingsLeaveTheHeapFlat(1_000_000);
  }

  private static void spellingsLeaveTheHeapFlat(int spellings) throws Exception {
    try (Worker worker = Worker.start(config(ServerLimits.defaults()))) {
      long key = generator.keyAt(17);
      assertThat(pipeline(worker, 2_000, i -> lookup(i, spelling(i), key))).containsOnlyKeys(ErrorCode.ERROR_CODE_UNSPECIFIED);
      long before = heapAfterGc();
      Map<ErrorCode, Integer> codes = pipeline(worker, spellings, i -> lookup(i, spelling(2_000 + i), key));
      long grown = heapAfterGc() - before;
      System.out.printf("T-probe spellings: %d distinct spellings, heap growth %d KiB%n", spellings, grown >> 10);
      assertThat(codes).containsExactly(Map.entry(ErrorCode.ERROR_CODE_UNSPECIFIED, spellings));
      // The resolved-path cache holds at most 2 Mi characters of spellings; the rest is noise.
      assertThat(grown).as("heap growth after %d spellings", spellings).isLessThan(24L << 20);
      assertThat(worker.servedFileVersions()).as("keyed by canonical path, one per file").hasSize(1);
      assertServesOthers(worker);
    }
  }

  @Test
  void aRefreshFloodWithExpiredDeadlinesIsDroppedNotRun() throws Exception {
    try (Worker worker = Worker.start(config(ServerLimits.defaults()))) {
      String table = users.toString();
      Map<ErrorCode, Integer> codes = pipeline(worker, 20_000, i -> Request.newBuilder().setRequestId(i).setTimeoutMicros(1)
          .setRefresh(RefreshRequest.newBuilder().setTableUri(table)).build());
      assertThat(codes.keySet()).isSubsetOf(ErrorCode.DEADLINE_EXCEEDED, ErrorCode.ERROR_CODE_UNSPECIFIED);
      assertThat(codes.get(ErrorCode.DEADLINE_EXCEEDED)).isPositive();
      assertThat(worker.droppedRequests()).as("listings dropped at the head of the queue").isPositive();
      System.out.printf("T-probe refresh flood: 20000 refreshes with a 1 us deadline, answers %s, dropped %d%n", codes,
          worker.droppedRequests());
      awaitIdle(worker);
      assertServesOthers(worker);
    }
  }

  @Test
  void overTheQueueAndInFlightBoundsRequestsGetResourceExhausted() throws Exception {
    ServerLimits limits = ServerLimits.defaults().withWork(64L << 20, 64, 16);
    try (Worker worker = Worker.start(config(limits))) {
      String table = users.toString();
      List<CompletableFuture<Map<ErrorCode, Integer>>> floods = new ArrayList<>();
      for (int c = 0; c < 4; c++) {
        floods.add(CompletableFuture.supplyAsync(() -> {
          try {
            return pipeline(worker, 3_000, i -> Request.newBuilder().setRequestId(i)
                .setRefresh(RefreshRequest.newBuilder().setTableUri(table)).build());
          } catch (Exception e) {
            throw new RuntimeException(e);
          }
        }, threads));
      }
      Map<ErrorCode, Integer> codes = new EnumMap<>(ErrorCode.class);
      floods.forEach(f -> f.join().forEach((code, n) -> codes.merge(code, n, Integer::sum)));
      assertThat(codes.keySet()).isSubsetOf(ErrorCode.RESOURCE_EXHAUSTED, ErrorCode.ERROR_CODE_UNSPECIFIED);
      assertThat(codes.get(ErrorCode.RESOURCE_EXHAUSTED)).isPositive();
      System.out.printf("T-probe queue bounds: 4 x 3000 refreshes, answers %s%n", codes);
      assertThat(codes.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(12_000);
      awaitIdle(worker);
      assertServesOthers(worker);
    }
  }

  @Test
  void pipeliningPastTheInFlightCapDispatchesNoFrameBeyondIt() throws Exception {
    int cap = 8;
    WorkerConfig config = config(ServerLimits.defaults()).withMaxInFlightPerConnection(cap);
    try (Worker worker = Worker.start(config, null, null, WorkerSecurity.none(), RepagingConfig.defaults(),
        TestHooks.lookupDelay(Duration.ofMillis(20)))) {
      AtomicInteger most = new AtomicInteger();
      Thread sampler = Thread.ofPlatform().daemon().start(() -> {
        while (!Thread.currentThread().isInterrupted()) {
          most.accumulateAndGet(worker.inFlight(), Math::max);
          Thread.onSpinWait();
        }
      });
      long key = generator.keyAt(99);
      Map<ErrorCode, Integer> codes;
      try {
        codes = pipeline(worker, 200, i -> lookup(i, users.toString(), key)); // one write carries many frames
      } finally {
        sampler.interrupt();
        sampler.join();
      }
      assertThat(codes).containsExactly(Map.entry(ErrorCode.ERROR_CODE_UNSPECIFIED, 200));
      assertThat(most.get()).as("requests in flight at once on one connection").isBetween(1, cap);
      System.out.printf("T-probe pipelining: 200 frames, cap %d, most in flight %d%n", cap, most.get());
      assertServesOthers(worker);
    }
  }

  @Test
  void idleAndDrippingConnectionsAreClosed() throws Exception {
    // Idle 3 s: the steady connection below is cut only if its thread stalls that long between
    // two frames (a loaded 2-core machine stalls threads for a second, not for three).
    ServerLimits limits = ServerLimits.defaults().withTimeouts(Duration.ofSeconds(3), Duration.ofSeconds(1));
    AtomicBoolean othersChecked = new AtomicBoolean();
    try (Worker worker = Worker.start(config(limits));
         Raw steady = new Raw(worker.address(), null)) {
      // Steady: a whole frame every 100 ms, on its own thread, for three times the frame timeout,
      // at least 10 requests, and until the idle and dripping ones are seen closed and gone: it is
      // never cut and never idle, whatever the others do. Bounded by a give-up time.
      CompletableFuture<Integer> answered = CompletableFuture.supplyAsync(() -> {
        int n = 0;
        try {
          long start = System.nanoTime();
          long giveUp = start + 120_000_000_000L;
          for (; (System.nanoTime() - start < 3_000_000_000L || n < 10 || !othersChecked.get())
              && System.nanoTime() - giveUp < 0; n++) {
            assertThat(steady.call(lookup(n, users.toString(), generator.keyAt(5))).hasError()).isFalse();
            Thread.sleep(100);
          }
        } catch (Exception e) {
          throw new RuntimeException("steady connection failed after " + n + " requests", e);
        }
        return n;
      }, threads);
      List<Raw> idle = new ArrayList<>();
      List<Raw> dripping = new ArrayList<>();
      try {
        for (int i = 0; i < 100; i++) {
          idle.add(new Raw(worker.address(), null));
          dripping.add(new Raw(worker.address(), null));
        }
        // Dripping: a byte every 200 ms, never a whole frame within the frame timeout.
        byte[] frame = Raw.frame(lookup(1, users.toString(), generator.keyAt(1)));
        for (int b = 0; b < 12; b++) {
          for (Raw d : dripping) {
            d.sendQuietly(new byte[] {frame[b]});
          }
          Thread.sleep(200);
        }
        for (Raw c : idle) {
          assertThat(c.closedByPeer()).as("idle connection").isTrue();
        }
        for (Raw c : dripping) {
          assertThat(c.closedByPeer()).as("dripping connection").isTrue();
        }
        idle.forEach(Raw::close);
        dripping.forEach(Raw::close);
        awaitConnections(worker, 1); // the steady one, still sending
      } finally {
        othersChecked.set(true);
        idle.forEach(Raw::close);
        dripping.forEach(Raw::close);
      }
      assertThat(answered.join()).isGreaterThanOrEqualTo(10);
      assertServesOthers(worker);
    }
  }

  @Test
  void partialLargeFramesHoldNoMoreThanTheBufferBudget() throws Exception {
    long budget = 16L << 20;
    ServerLimits limits = ServerLimits.defaults().withWork(budget, 10_000, 10_000)
        .withTimeouts(Duration.ofMinutes(5), Duration.ofSeconds(30));
    int frameBytes = 4 << 20;
    try (Worker worker = Worker.start(config(limits))) {
      List<Raw> holders = new ArrayList<>();
      long most = 0;
      int closed = 0;
      try {
        byte[] partial = new byte[frameBytes - 64];
        ByteBuffer.wrap(partial).putInt(frameBytes - 8).putInt(16);
        for (int i = 0; i < 30; i++) {
          Raw r = new Raw(worker.address(), null);
          holders.add(r);
          r.sendQuietly(partial);
          most = Math.max(most, worker.bufferedRequestBytes());
        }
        for (Raw r : holders) {
          if (r.closedByPeer(200)) {
            closed++;
          }
          most = Math.max(most, worker.bufferedRequestBytes());
        }
        assertThat(most).as("request bytes buffered, most seen").isLessThanOrEqualTo(budget);
        assertThat(closed).as("holders closed for the budget").isGreaterThanOrEqualTo(30 - (int) (budget / frameBytes));
        System.out.printf("T-probe partial frames: 30 x 4 MiB - 64, closed %d, most buffered %d KiB%n", closed, most >> 10);
        assertServesOthers(worker); // while the others still hold their partial frames
      } finally {
        holders.forEach(Raw::close);
      }
    }
  }

  @Test
  void connectionsOverTheCapsAreClosedAtOnce() throws Exception {
    ServerLimits limits = ServerLimits.defaults().withConnections(60, 40);
    try (Worker worker = Worker.start(config(limits))) {
      List<Raw> open = new ArrayList<>();
      try {
        for (int i = 0; i < 40; i++) {
          open.add(new Raw(worker.address(), "127.0.0.1"));
        }
        awaitConnections(worker, 40); // accepted connections are counted on their event loops, in any order
        try (Raw over = new Raw(worker.address(), "127.0.0.1")) {
          assertThat(over.closedByPeer()).as("41st connection from one address").isTrue();
        }
        for (int i = 0; i < 20; i++) {
          open.add(new Raw(worker.address(), "127.0.0.2"));
        }
        awaitConnections(worker, 60);
        try (Raw over = new Raw(worker.address(), "127.0.0.3")) {
          assertThat(over.closedByPeer()).as("61st connection").isTrue();
        }
        for (Raw r : open) {
          assertThat(r.closedByPeer(1)).as("admitted connections stay open").isFalse();
        }
        assertThat(worker.openConnections()).isEqualTo(60);
        assertThat(worker.refusedConnections()).isEqualTo(2);
      } finally {
        open.forEach(Raw::close);
      }
      awaitConnections(worker, 0);
      assertServesOthers(worker);
    }
  }

  @Test
  void describesNamingAMissingKeyColumnBesideLookupsReleaseEachFileOnce() throws Exception {
    try (Worker worker = Worker.start(config(ServerLimits.defaults()))) {
      String table = users.toString();
      CompletableFuture<Map<ErrorCode, Integer>> describes = CompletableFuture.supplyAsync(() -> {
        try {
          return pipeline(worker, 2_000, i -> Request.newBuilder().setRequestId(i)
              .setDescribe(DescribeRequest.newBuilder().setTableUri(table).setKeyColumn("no_such_column")).build());
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      }, threads);
      for (int round = 0; round < 5; round++) {
        assertServesOthers(worker);
      }
      assertThat(describes.join()).containsExactly(Map.entry(ErrorCode.NOT_FOUND, 2_000));
      assertServesOthers(worker);
    }
  }

  @Test
  void errorsNameTheTableAsGivenAndNeverServerPathsOrFileBytes() throws Exception {
    Path root = dir.toRealPath();
    Files.createDirectories(dir.resolve("_staging"));
    generator.write(dir.resolve("_staging").resolve("users"));
    Files.copy(users.resolve(FeatureTable.fileName(0)), dir.resolve(".hidden.parquet"));
    // Not Parquet, but ends in PAR1: the 4 bytes before it would be read as a footer length.
    Files.write(dir.resolve("fake.parquet"), "top secret contents ZQXJPAR1".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    Files.createSymbolicLink(dir.resolve("alias"), users);
    int secret = ByteBuffer.wrap("ZQXJ".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
        .order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt();
    try (Worker worker = Worker.start(config(ServerLimits.defaults()));
         Raw raw = new Raw(worker.address(), null)) {
      String fake = dir + "/./fake.parquet";
      Response corrupt = raw.call(lookup(1, fake, 1));
      assertThat(corrupt.getError().getCode()).isEqualTo(ErrorCode.DATA_LOSS);
      assertThat(corrupt.getError().getMessage()).contains(fake).doesNotContain(String.valueOf(secret))
          .doesNotContain("ZQXJ").doesNotContain(root + "/fake.parquet");

      String alias = dir.resolve("alias").toString();
      Response column = raw.call(Request.newBuilder().setRequestId(2).setLookup(LookupRequest.newBuilder()
          .setTableUri(alias).setKeyColumn("no_such_column").addKeys(Key.newBuilder().setIntValue(1))).build());
      assertThat(column.getError().getCode()).isEqualTo(ErrorCode.NOT_FOUND);
      assertThat(column.getError().getMessage()).doesNotContain(root.toString());

      Response missing = raw.call(lookup(3, dir.resolve("alias").resolve("nope.parquet").toString(), 1));
      assertThat(missing.getError().getCode()).isEqualTo(ErrorCode.NOT_FOUND);
      assertThat(missing.getError().getMessage()).doesNotContain(root + "/users");

      for (String hidden : List.of(dir.resolve("_staging").resolve("users").toString(),
          dir.resolve("_staging").resolve("users").resolve(FeatureTable.fileName(0)).toString(),
          dir.resolve(".hidden.parquet").toString(), dir.resolve("_staging").toUri().toString(),
          dir + "/users/../_staging/users")) {
        Response refused = raw.call(lookup(4, hidden, generator.keyAt(3)));
        assertThat(refused.getError().getCode()).as(hidden).isEqualTo(ErrorCode.PERMISSION_DENIED);
      }
      assertServesOthers(worker);
    }
  }

  private static void awaitIdle(Worker worker) throws InterruptedException {
    for (int i = 0; i < 3_000 && worker.inFlight() > 0; i++) {
      Thread.sleep(10);
    }
    assertThat(worker.inFlight()).as("requests still in flight after the flood").isZero();
  }

  private static void awaitConnections(Worker worker, int expected) throws InterruptedException {
    for (int i = 0; i < 3_000 && worker.openConnections() != expected; i++) {
      Thread.sleep(10);
    }
    assertThat(worker.openConnections()).isEqualTo(expected);
  }

  /** A dumb blocking connection that writes whatever it is told and reads whole frames. */
  static final class Raw implements AutoCloseable {
    final Socket socket = new Socket();
    final OutputStream out;
    final DataInputStream in;

    Raw(InetSocketAddress address, String localAddress) throws IOException {
      if (localAddress != null) {
        socket.bind(new InetSocketAddress(InetAddress.getByName(localAddress), 0));
      }
      socket.connect(address, 5_000);
      socket.setSoTimeout(10_000);
      out = new BufferedOutputStream(socket.getOutputStream(), 64 << 10);
      in = new DataInputStream(socket.getInputStream());
    }

    static byte[] frame(Request request) {
      byte[] header = request.toByteArray();
      return ByteBuffer.allocate(8 + header.length).putInt(4 + header.length).putInt(header.length).put(header).array();
    }

    void write(Request request) throws IOException {
      out.write(frame(request));
    }

    Response call(Request request) throws IOException {
      write(request);
      out.flush();
      Response response = receive();
      assertThat(response.getRequestId()).isEqualTo(request.getRequestId());
      return response;
    }

    /** Sends bytes; a connection the worker already closed is what some tests expect. */
    void sendQuietly(byte[] bytes) {
      try {
        out.write(bytes);
        out.flush();
      } catch (IOException closed) {
        // checked by closedByPeer
      }
    }

    Response receive() throws IOException {
      int frameLength = in.readInt();
      int headerLength = in.readInt();
      byte[] header = new byte[headerLength];
      in.readFully(header);
      in.skipNBytes(frameLength - 4L - headerLength);
      return Response.parseFrom(header);
    }

    /** Closed within 30 s: a bound for a loaded machine's timers, returning as soon as the close arrives. */
    boolean closedByPeer() throws IOException {
      return closedByPeer(30_000);
    }

    /** True when the worker closed the connection (EOF or reset) within {@code millis}. */
    boolean closedByPeer(int millis) throws IOException {
      socket.setSoTimeout(millis);
      try {
        return in.read() < 0;
      } catch (EOFException | SocketException e) {
        return true;
      } catch (SocketTimeoutException e) {
        return false;
      }
    }

    @Override
    public void close() {
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing a test socket
      }
    }
  }
}
