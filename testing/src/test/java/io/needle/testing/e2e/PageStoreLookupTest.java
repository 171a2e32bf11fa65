package io.needle.testing.e2e;

import io.needle.bench.gen.FeatureRow;
import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.client.NeedleClient;
import io.needle.client.Row;
import io.needle.client.Table;
import io.needle.pagestore.EvictionPolicy;
import io.needle.pagestore.PageStoreConfig;
import io.needle.pagestore.PageStoreStats;
import io.needle.protocol.proto.Key;
import io.needle.protocol.proto.LookupRequest;
import io.needle.protocol.proto.PageSegment;
import io.needle.protocol.proto.Request;
import io.needle.protocol.proto.Response;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The page store on the worker's read path: answers stay exact through misses, hits, a restart
 * and corrupted region files; pages carry CRC32Cs that match their bytes; concurrent misses on a
 * page read it from the source once. Oracle: the generator's key-derived values.
 */
class PageStoreLookupTest {
  @TempDir
  static Path dir;

  static FeatureTable generator;
  static Path table;

  @BeforeAll
  static void generate() throws Exception {
    generator = new FeatureTable(GenOptions.defaults(20_000, 2));
    table = dir.resolve("users");
    generator.write(table);
  }

  @AfterAll
  static void leaks() throws Exception {
    LeakRecorder.assertNoLeaks();
  }

  private static PageStoreConfig store(Path cache) {
    // Admission off: every miss is stored, so hit counts are exact in these tests.
    return new PageStoreConfig(cache, 64L << 20, 1 << 20, EvictionPolicy.LRU, false, 8192, "test", true, false);
  }

  private static Worker worker(Path cache) throws Exception {
    return Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(dir)), store(cache));
  }

  private static NeedleClient client(Worker worker) {
    return NeedleClient.builder().workers(List.of("127.0.0.1:" + worker.address().getPort()))
        .requestTimeout(Duration.ofSeconds(30)).build();
  }

  private static void assertExact(Table t, List<Long> keys) {
    Map<Object, List<Row>> result = t.lookupAll(new ArrayList<>(keys), List.of());
    for (long key : keys) {
      List<Row> rows = result.get(key);
      if (!generator.contains(key)) {
        assertThat(rows).as("absent key %d", key).isEmpty();
        continue;
      }
      assertThat(rows).as("key %d", key).hasSize(1);
      FeatureRow want = generator.expected(key);
      for (Map.Entry<String, Object> column : want.asMap().entrySet()) {
        assertThat(rows.get(0).get(column.getKey())).as("key %d column %s", key, column.getKey()).isEqualTo(column.getValue());
      }
    }
  }

  private static List<Long> keys(long seed, int n) {
    SplittableRandom random = new SplittableRandom(seed);
    List<Long> keys = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      keys.add(generator.keyAt(random.nextLong(20_000)) + (i % 5 == 4 ? 1 : 0));
    }
    return keys;
  }

  @Test
  void missesFillTheStoreHitsServeFromItAndARestartKeepsIt() throws Exception {
    Path cache = dir.resolve("cache-restart");
    List<Long> keys = keys(1, 40);
    try (Worker worker = worker(cache); NeedleClient client = client(worker)) {
      Table t = client.table(table.toUri().toString(), FeatureTable.KEY_COLUMN);
      for (long key : keys) {
        assertExact(t, List.of(key));
      }
      long filled = worker.pagesReadFromSource();
      assertThat(filled).isPositive();
      assertThat(storedPagesOnceWritesSettle(worker)).isEqualTo(filled);
      PageStoreStats cold = worker.pageStoreStats();
      for (long key : keys) {
        assertExact(t, List.of(key));
      }
      assertThat(worker.pagesReadFromSource()).as("warm lookups read nothing from the source").isEqualTo(filled);
      assertThat(worker.pageStoreStats().hits() - cold.hits()).isGreaterThanOrEqualTo(filled);
    }
    try (Worker worker = worker(cache); NeedleClient client = client(worker)) {
      assertThat(worker.pageStoreStats().recoveredPages()).isPositive();
      Table t = client.table(table.toUri().toString(), FeatureTable.KEY_COLUMN);
      for (long key : keys) {
        assertExact(t, List.of(key));
      }
      assertThat(worker.pagesReadFromSource()).as("after a clean restart the cache answers").isZero();
    }
  }

  @Test
  void everyPageOnTheWireCarriesTheCrc32cOfItsBytes() throws Exception {
    try (Worker worker = worker(dir.resolve("cache-crc"))) {
      for (int round = 0; round < 2; round++) { // first misses (fetched bytes), then hits (region file)
        LookupRequest.Builder lookup = LookupRequest.newBuilder()
            .setTableUri(table.toUri().toString()).setKeyColumn(FeatureTable.KEY_COLUMN);
        for (long key : keys(7, 20)) {
          lookup.addKeys(Key.newBuilder().setIntValue(key));
        }
        byte[] header = Request.newBuilder().setRequestId(1).setLookup(lookup).build().toByteArray();
        try (Socket socket = new Socket("127.0.0.1", worker.address().getPort())) {
          OutputStream out = socket.getOutputStream();
          out.write(ByteBuffer.allocate(8 + header.length).putInt(4 + header.length).putInt(header.length).put(header).array());
          DataInputStream in = new DataInputStream(socket.getInputStream());
          int frameLength = in.readInt();
          byte[] responseHeader = new byte[in.readInt()];
          in.readFully(responseHeader);
          byte[] payload = new byte[frameLength - 4 - responseHeader.length];
          in.readFully(payload);
          Response response = Response.parseFrom(responseHeader);
          assertThat(response.getLookup().getPagesCount()).isPositive();
          int at = 0;
          for (PageSegment segment : response.getLookup().getPagesList()) {
            CRC32C crc = new CRC32C();
            crc.update(payload, at, segment.getLength());
            assertThat(segment.getHasCrc32C()).isTrue();
            assertThat(segment.getCrc32C()).isEqualTo((int) crc.getValue());
            at += segment.getLength();
          }
          assertThat(at).isEqualTo(payload.length);
        }
      }
    }
  }

  @Test
  void concurrentMissesOnTheSamePagesReadTheSourceOnce() throws Exception {
    try (Worker worker = worker(dir.resolve("cache-flight")); NeedleClient client = client(worker)) {
      Table t = client.table(table.toUri().toString(), FeatureTable.KEY_COLUMN);
      long key = generator.keyAt(15_000);
      t.lookup(generator.keyAt(1), List.of("user_id")); // warm the metadata, not these pages
      long before = worker.pagesReadFromSource();
      int callers = 16;
      ExecutorService pool = Executors.newFixedThreadPool(callers);
      CountDownLatch go = new CountDownLatch(1);
      List<CompletableFuture<List<Row>>> answers = new ArrayList<>();
      for (int i = 0; i < callers; i++) {
        answers.add(CompletableFuture.supplyAsync(() -> {
          try {
            go.await();
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
          return t.lookup(key, List.of());
        }, pool));
      }
      go.countDown();
      for (CompletableFuture<List<Row>> a : answers) {
        assertThat(a.get()).hasSize(1);
      }
      pool.shutdown();
      long read = worker.pagesReadFromSource() - before;
      t.lookup(generator.keyAt(15_003), List.of()); // one more lookup of the same pages: no read
      assertThat(worker.pagesReadFromSource() - before).isEqualTo(read);
      // One lookup needs one page per column at most a few times over; 16 callers must not multiply it.
      assertThat(read).isPositive().isLessThan(callers * 4L);
      assertThat(storedPagesOnceWritesSettle(worker)).isEqualTo(worker.pagesReadFromSource());
    }
  }

  /**
   * The store's page count, less the derived records the worker keeps there (key column states,
   * walked page tables), once it stops growing towards the pages read. Why wait: the worker
   * hands a fetched page to the waiting lookup first and offers it to the store after, on the
   * loader, so an answer can arrive before its page is stored. Bounded: gives up after 10 s and
   * returns what the store holds then.
   */
  private static long storedPagesOnceWritesSettle(Worker worker) throws InterruptedException {
    long giveUp = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (worker.pageStoreStats().cachedPages() - worker.derivedRecordsSaved() < worker.pagesReadFromSource()
        && System.nanoTime() < giveUp) {
      Thread.sleep(5);
    }
    return worker.pageStoreStats().cachedPages() - worker.derivedRecordsSaved();
  }

  @Test
  void corruptedRegionFilesNeverBecomeWrongRows() throws Exception {
    Path cache = dir.resolve("cache-corrupt");
    List<Long> keys = keys(3, 60);
    try (Worker worker = worker(cache); NeedleClient client = client(worker)) {
      Table t = client.table(table.toUri().toString(), FeatureTable.KEY_COLUMN);
      assertExact(t, keys);
      long cached = worker.pageStoreStats().cachedBytes();
      assertThat(cached).isPositive();
      // Flip one byte every 1,000 bytes of the used part of the region file, under the live worker.
      try (FileChannel region = FileChannel.open(cache.resolve("regions.dat"), StandardOpenOption.READ,
          StandardOpenOption.WRITE)) {
        long end = Math.min(region.size(), cached * 2);
        for (long at = 500; at < end; at += 1000) {
          ByteBuffer one = ByteBuffer.allocate(1);
          region.read(one, at);
          one.flip();
          one.put(0, (byte) ~one.get(0));
          region.write(one, at);
        }
      }
      for (int round = 0; round < 3; round++) {
        assertExact(t, keys); // detected (store check or client CRC), refetched, never wrong
      }
      assertThat(worker.pageStoreStats().corruptPages() + worker.pageStoreStats().readFailures()).isPositive();
    }
  }

  @Test
  void aDeletedCacheDirectoryDegradesToTheSourceAndLookupsStayExact() throws Exception {
    Path cache = dir.resolve("cache-deleted");
    List<Long> warm = keys(11, 30);
    List<Long> cold = keys(12, 30);
    try (Worker worker = worker(cache); NeedleClient client = client(worker)) {
      Table t = client.table(table.toUri().toString(), FeatureTable.KEY_COLUMN);
      assertExact(t, warm);
      try (var files = java.nio.file.Files.walk(cache)) {
        for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
          java.nio.file.Files.delete(p);
        }
      }
      assertExact(t, warm); // served from the still-open region file or the source
      assertExact(t, cold); // misses now: the store cannot admit them, the source answers
      assertExact(t, cold);
    }
  }
}
