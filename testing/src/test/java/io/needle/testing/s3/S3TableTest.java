package io.needle.testing.s3;

import io.needle.bench.gen.FeatureRow;
import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.client.NeedleClient;
import io.needle.client.NeedleException;
import io.needle.client.Row;
import io.needle.client.Table;
import io.needle.pagestore.EvictionPolicy;
import io.needle.pagestore.PageStoreConfig;
import io.needle.testing.MatrixTables;
import io.needle.testing.ParquetOracle;
import io.needle.testing.TableSpec;
import io.needle.worker.S3Config;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.needle.protocol.proto.RefreshRequest;
import io.needle.protocol.proto.Request;
import io.needle.protocol.proto.Response;

import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * S3 tables end to end: a real worker and client against an S3-protocol server (S3Proxy) on
 * loopback, behind a proxy that counts the requests reaching it and can stop or fail them.
 * Oracles: parquet-java's reader on the same files (matrix), and the generator's key-derived
 * rows (feature tables).
 */
class S3TableTest {
  private static final String BUCKET_URI = "s3://" + S3Fixture.BUCKET + "/";
  private static final AtomicInteger caches = new AtomicInteger();

  @TempDir
  static Path dir;

  static S3Fixture s3;
  static FeatureTable single;
  static List<TableSpec> matrix;
  static Map<Path, ParquetOracle> oracles = new HashMap<>();

  @BeforeAll
  static void setUp() throws Exception {
    s3 = S3Fixture.start();
    single = new FeatureTable(GenOptions.defaults(20_000, 1));
    for (Path f : single.write(dir.resolve("single"))) {
      s3.put("single/" + f.getFileName(), f);
    }
    // Objects a table must ignore: zero-length, hidden, _-prefixed, not Parquet.
    s3.put("single/_SUCCESS", new byte[0]);
    s3.put("single/.hidden.parquet", new byte[] {1, 2, 3});
    s3.put("single/_temporary/x.parquet", new byte[] {1, 2, 3});
    s3.put("single/notes.txt", new byte[] {1, 2, 3});
    Path matrixDir = dir.resolve("matrix");
    matrix = MatrixTables.write(matrixDir);
    for (TableSpec t : matrix) {
      for (Path f : t.files()) {
        oracles.put(f, ParquetOracle.open(f));
        s3.put("matrix/" + matrixDir.relativize(f).toString().replace('\\', '/'), f);
      }
    }
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (s3 != null) {
      s3.close();
    }
  }

  /**
   * Timeouts no attempt reaches on a loaded machine: these tests count S3 requests exactly, and an
   * attempt cut by its timeout and retried is one request more (a 2 s attempt timeout once doubled
   * a LIST in CI). Faults here are refusals and error replies, which need no timeout.
   */
  private static S3Config s3Config(boolean prefetch) {
    return S3Config.defaults(List.of(URI.create(BUCKET_URI)), "us-east-1")
        .withEndpoint(s3.endpoint(), true)
        .withStaticCredentials(S3Fixture.ACCESS_KEY, S3Fixture.SECRET_KEY)
        .withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofSeconds(25), 1)
        .withPrefetchMetadata(prefetch);
  }

  private static Worker worker(Duration manifestTtl, boolean prefetch) throws Exception {
    return worker(WorkerConfig.defaults("127.0.0.1", 0, List.of(dir)).withManifestTtl(manifestTtl), prefetch);
  }

  private static Worker worker(WorkerConfig config, boolean prefetch) throws Exception {
    Path cache = dir.resolve("cache-" + caches.incrementAndGet());
    Files.createDirectories(cache);
    // Admission off: every miss is stored, so a second lookup of a page is a hit.
    PageStoreConfig store = new PageStoreConfig(cache, 64L << 20, 1 << 20, EvictionPolicy.LRU, false, 8192, "test", true, false);
    // Re-paging off: it reads whole chunks in the background, which would warm "cold" pages and add
    // GETs to the exact request counts these tests assert (RepagingTest covers it, S3 included).
    return Worker.start(config, store, s3Config(prefetch), io.needle.worker.RepagingConfig.defaults().withEnabled(false));
  }

  private static NeedleClient client(Worker worker) {
    return NeedleClient.builder().workers(List.of("127.0.0.1:" + worker.address().getPort()))
        .requestTimeout(Duration.ofSeconds(30)).build();
  }

  private static void assertRow(FeatureTable generator, long key, List<Row> rows) {
    assertThat(rows).as("key %d", key).hasSize(1);
    FeatureRow want = generator.expected(key);
    for (Map.Entry<String, Object> column : want.asMap().entrySet()) {
      assertThat(rows.get(0).get(column.getKey())).as("key %d column %s", key, column.getKey()).isEqualTo(column.getValue());
    }
  }

  private static long objectGets(int from, String keyPart) {
    return s3.proxy.requests().subList(from, s3.proxy.requestCount()).stream()
        .filter(r -> r.startsWith("GET /" + S3Fixture.BUCKET + "/" + keyPart)).count();
  }

  @Test
  void theTableMatrixAnswersFromS3LikeParquetJava() throws Exception {
    Path matrixDir = dir.resolve("matrix");
    try (Worker worker = worker(Duration.ofMinutes(10), true); NeedleClient client = client(worker)) {
      Random random = new Random(3);
      int rows = 0;
      for (TableSpec t : matrix) {
        String uri = BUCKET_URI + "matrix/" + matrixDir.relativize(t.dir()).toString().replace('\\', '/');
        Table table = client.table(uri, t.keyColumn());
        List<Object> keys = new ArrayList<>(t.duplicateKeys());
        for (int i = 0; i < 25; i++) {
          keys.add(t.presentKeys().get(random.nextInt(t.presentKeys().size())));
        }
        keys.addAll(t.absentKeys());
        Map<Object, List<Row>> result = table.lookupAll(keys, List.of());
        for (Object key : keys) {
          List<String> want = expected(t, key);
          assertThat(result.get(key).stream().map(Row::toJson).toList()).as("%s key %s", t.name(), key).isEqualTo(want);
          rows += want.size();
        }
      }
      assertThat(rows).isGreaterThan(100);
    }
  }

  private static List<String> expected(TableSpec t, Object key) {
    List<Path> files = new ArrayList<>(t.files());
    Collections.sort(files);
    List<String> out = new ArrayList<>();
    for (Path f : files) {
      out.addAll(oracles.get(f).lookupJson(t.keyColumn(), key, List.of()));
    }
    return out;
  }

  @Test
  void requestsToS3AreCountedColdMetadataCachedAndWarm() throws Exception {
    try (Worker worker = worker(Duration.ofMinutes(10), false); NeedleClient client = client(worker)) {
      Table table = client.table(BUCKET_URI + "single", FeatureTable.KEY_COLUMN);
      long first = single.keyAt(100);
      long far = single.keyAt(15_000);

      int before = s3.proxy.requestCount();
      assertRow(single, first, table.lookup(first, List.of()));
      List<String> cold = s3.proxy.requests().subList(before, s3.proxy.requestCount()).stream()
          .filter(r -> r.startsWith("GET /" + S3Fixture.BUCKET + "/single/")).toList();
      long size = Files.size(dir.resolve("single").resolve(FeatureTable.fileName(0)));
      // The tail; at most one GET for every index and bloom filter that the 64 KiB tail did not
      // hold; then the pages of every column in one coalesced GET: at most three (the bound).
      assertThat(cold).as("cold GETs").hasSizeBetween(2, 3);
      assertThat(cold.get(0)).endsWith("-" + (size - 1));
      before = s3.proxy.requestCount();
      table.refresh(); // drop the client's own cache: the lookup must reach the worker
      assertRow(single, first, table.lookup(first, List.of()));
      assertThat(s3.proxy.requestCount() - before).as("warm lookup").isZero();

      before = s3.proxy.requestCount();
      assertRow(single, far, table.lookup(far, List.of()));
      assertThat(objectGets(before, "single/")).as("metadata cached, pages not: %s",
          s3.proxy.requests().subList(before, s3.proxy.requestCount())).isEqualTo(1);
      assertThat(table.lookup(single.keyAt(19_999) + 1, List.of())).isEmpty();
    }
  }

  @Test
  void indexesAndBloomFiltersBelowTheTailComeWithOneGet() throws Exception {
    Path file = dir.resolve("single").resolve(FeatureTable.fileName(0));
    long size = Files.size(file);
    byte[] end;
    try (var channel = java.nio.channels.FileChannel.open(file)) {
      java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
      channel.read(b, size - 8);
      end = b.array();
    }
    int footerLength = java.nio.ByteBuffer.wrap(end).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(0);
    int tail = footerLength + 8 + 16; // the footer fits; the indexes and bloom filters before it do not
    WorkerConfig base = WorkerConfig.defaults("127.0.0.1", 0, List.of(dir)).withManifestTtl(Duration.ofMinutes(10));
    WorkerConfig config = new WorkerConfig(base.bindHost(), base.port(), base.roots(), base.maxRequestFrameBytes(),
        base.maxResponseBytes(), base.maxKeysPerRequest(), base.maxInFlightPerConnection(), base.manifestTtl(),
        new io.needle.metadata.MetadataCacheConfig(64L << 20, tail), base.loaderThreads(), base.maxOpenFiles(),
        base.transport(), base.name());
    try (Worker worker = worker(config, false); NeedleClient client = client(worker)) {
      Table table = client.table(BUCKET_URI + "single", FeatureTable.KEY_COLUMN);
      int before = s3.proxy.requestCount();
      long key = single.keyAt(9_000);
      assertRow(single, key, table.lookup(key, List.of()));
      List<String> gets = s3.proxy.requests().subList(before, s3.proxy.requestCount()).stream()
          .filter(r -> r.startsWith("GET /" + S3Fixture.BUCKET + "/single/")).toList();
      long tailStart = size - tail;
      assertThat(gets).as("tail, metadata below the tail, pages").hasSize(3);
      assertThat(gets.get(0)).endsWith("bytes=" + tailStart + "-" + (size - 1));
      assertThat(gets.get(1)).endsWith("-" + (tailStart - 1)); // everything from the lowest index up to the tail
      assertThat(table.lookup(single.keyAt(19_999) + 2, List.of())).isEmpty(); // bloom filter / indexes: no GET
      assertThat(s3.proxy.requests().subList(before, s3.proxy.requestCount())).hasSize(3 + 1); // + the LIST
    }
  }

  @Test
  void prefetchedMetadataLeavesTheFirstLookupOnlyItsPages() throws Exception {
    String objectGet = "GET /" + S3Fixture.BUCKET + "/single/";
    long metadataGets;
    try (Worker worker = worker(Duration.ofMinutes(10), false); NeedleClient client = client(worker)) {
      int before = s3.proxy.requestCount();
      assertRow(single, single.keyAt(3), client.table(BUCKET_URI + "single", FeatureTable.KEY_COLUMN)
          .lookup(single.keyAt(3), List.of()));
      metadataGets = objectGets(before, "single/") - 1; // all but the pages' GET
    }
    try (Worker worker = worker(Duration.ofMinutes(10), true); NeedleClient client = client(worker)) {
      int before = s3.proxy.requestCount();
      Response listed = refreshRpc(worker, BUCKET_URI + "single"); // lists the table: the prefetch starts
      assertThat(listed.getRefresh().getFilesCount()).isEqualTo(1);
      for (int i = 0; i < 3000 && objectGets(before, "single/") < metadataGets; i++) {
        Thread.sleep(10); // waiting for the background prefetch, not timing it
      }
      assertThat(objectGets(before, "single/")).isEqualTo(metadataGets);
      int afterPrefetch = s3.proxy.requestCount();
      long key = single.keyAt(11_111);
      assertRow(single, key, client.table(BUCKET_URI + "single", FeatureTable.KEY_COLUMN).lookup(key, List.of()));
      assertThat(s3.proxy.requests().subList(afterPrefetch, s3.proxy.requestCount()))
          .as("only the pages").hasSize(1).allMatch(r -> r.startsWith(objectGet));
    }
  }

  @Test
  void ignoredObjectsAreNotPartOfTheTable() throws Exception {
    // The 3-byte "x.parquet" objects under hidden and _-prefixed names would fail as DATA_LOSS if listed.
    try (Worker worker = worker(Duration.ofMinutes(10), true); NeedleClient client = client(worker)) {
      Table table = client.table(BUCKET_URI + "single", FeatureTable.KEY_COLUMN);
      assertRow(single, single.keyAt(7), table.lookup(single.keyAt(7), List.of()));
      assertThat(s3.proxy.requests()).noneMatch(r -> r.contains("hidden") || r.contains("_temporary")
          || r.contains("notes.txt") || r.contains("_SUCCESS"));
    }
  }

  @Test
  void anOverwrittenObjectAnswersWithItsNewRowsAndADeletedOneStopsMatching() throws Exception {
    FeatureTable v1 = new FeatureTable(GenOptions.defaults(5_000, 1));
    GenOptions o = GenOptions.defaults(5_000, 1);
    FeatureTable v2 = new FeatureTable(new GenOptions(o.rows(), o.files(), o.codec(), o.pageSizeBytes(),
        o.pageRowLimit(), o.rowGroupBytes(), o.embeddingDim(), o.writerVersion(), 4242L));
    Path f1 = v1.write(dir.resolve("v1")).get(0);
    Path f2 = v2.write(dir.resolve("v2")).get(0);
    long key = v1.keyAt(10);
    long other = v1.keyAt(4_500);
    assertThat(v1.expected(key)).isNotEqualTo(v2.expected(key));

    // Listing on every lookup: the next lookup after the overwrite sees the new version.
    s3.put("mut-listed/t.parquet", f1);
    try (Worker worker = worker(Duration.ZERO, false); NeedleClient client = client(worker)) {
      Table table = client.table(BUCKET_URI + "mut-listed", FeatureTable.KEY_COLUMN);
      assertRow(v1, key, table.lookup(key, List.of()));
      s3.put("mut-listed/t.parquet", f2);
      table.refresh();
      assertRow(v2, key, table.lookup(key, List.of()));
      s3.delete("mut-listed/t.parquet");
      table.refresh();
      assertThat(table.lookup(key, List.of())).isEmpty();
    }

    // A long-lived manifest: the overwrite is discovered by If-Match (412) on the next GET,
    // the table is listed again and the lookup retried on the new version only.
    s3.put("mut-cached/t.parquet", f1);
    try (Worker worker = worker(Duration.ofHours(1), false); NeedleClient client = client(worker)) {
      Table table = client.table(BUCKET_URI + "mut-cached", FeatureTable.KEY_COLUMN);
      assertRow(v1, key, table.lookup(key, List.of()));
      s3.put("mut-cached/t.parquet", f2);
      table.refresh();
      assertRow(v2, other, table.lookup(other, List.of()));
      assertRow(v2, key, table.lookup(key, List.of())); // old pages are keyed by the old ETag: never served
    }
  }

  @Test
  void aRefreshRpcMakesTheNextLookupSeeTheNewObject() throws Exception {
    FeatureTable v1 = new FeatureTable(GenOptions.defaults(3_000, 1));
    GenOptions o = GenOptions.defaults(3_000, 1);
    FeatureTable v2 = new FeatureTable(new GenOptions(o.rows(), o.files(), o.codec(), o.pageSizeBytes(),
        o.pageRowLimit(), o.rowGroupBytes(), o.embeddingDim(), o.writerVersion(), 777L));
    Path f1 = v1.write(dir.resolve("r1")).get(0);
    Path f2 = v2.write(dir.resolve("r2")).get(0);
    long key = v1.keyAt(20);
    s3.put("refreshed/t.parquet", f1);
    try (Worker worker = worker(Duration.ofHours(1), true); NeedleClient client = client(worker)) {
      Table table = client.table(BUCKET_URI + "refreshed", FeatureTable.KEY_COLUMN);
      assertRow(v1, key, table.lookup(key, List.of()));
      s3.put("refreshed/t.parquet", f2);
      table.refresh();
      // Manifest and pages are cached: until a refresh the worker answers from the listed version.
      assertRow(v1, key, table.lookup(key, List.of()));
      Response refreshed = refreshRpc(worker, BUCKET_URI + "refreshed");
      assertThat(refreshed.hasError()).as("%s", refreshed.getError()).isFalse();
      assertThat(refreshed.getRefresh().getFilesList()).singleElement()
          .satisfies(f -> assertThat(f.getSizeBytes()).isEqualTo(Files.size(f2)));
      table.refresh();
      assertRow(v2, key, table.lookup(key, List.of()));
    }
  }

  @Test
  void tableRelistAsksTheWorkersToListAgain() throws Exception {
    FeatureTable v1 = new FeatureTable(GenOptions.defaults(2_000, 1));
    GenOptions o = GenOptions.defaults(2_000, 1);
    FeatureTable v2 = new FeatureTable(new GenOptions(o.rows(), o.files(), o.codec(), o.pageSizeBytes(),
        o.pageRowLimit(), o.rowGroupBytes(), o.embeddingDim(), o.writerVersion(), 4242L));
    Path f1 = v1.write(dir.resolve("l1")).get(0);
    Path f2 = v2.write(dir.resolve("l2")).get(0);
    long key = v1.keyAt(7);
    s3.put("relisted/t.parquet", f1);
    try (Worker worker = worker(Duration.ofHours(1), true); NeedleClient client = client(worker)) {
      Table table = client.table(BUCKET_URI + "relisted", FeatureTable.KEY_COLUMN);
      assertRow(v1, key, table.lookup(key, List.of()));
      s3.put("relisted/t.parquet", f2);
      table.refresh();
      assertRow(v1, key, table.lookup(key, List.of())); // the worker's manifest is still the old one
      table.relist();
      assertRow(v2, key, table.lookup(key, List.of()));
    }
  }

  private static Response refreshRpc(Worker worker, String uri) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", worker.address().getPort())) {
      socket.setSoTimeout(30_000);
      byte[] header = Request.newBuilder().setRequestId(9)
          .setRefresh(RefreshRequest.newBuilder().setTableUri(uri)).build().toByteArray();
      OutputStream out = socket.getOutputStream();
      out.write(ByteBuffer.allocate(8 + header.length).putInt(4 + header.length).putInt(header.length).put(header).array());
      out.flush();
      DataInputStream in = new DataInputStream(socket.getInputStream());
      int frameLength = in.readInt();
      byte[] responseHeader = new byte[in.readInt()];
      in.readFully(responseHeader);
      in.skipNBytes(frameLength - 4L - responseHeader.length);
      Response response = Response.parseFrom(responseHeader);
      assertThat(response.getRequestId()).isEqualTo(9);
      return response;
    }
  }

  @Test
  void aStoppedServerGivesUnavailableWhileCachedPagesKeepAnswering() throws Exception {
    try (Worker worker = worker(Duration.ofHours(1), false); NeedleClient client = client(worker)) {
      Table table = client.table(BUCKET_URI + "single", FeatureTable.KEY_COLUMN);
      long warm = single.keyAt(50);
      long cold = single.keyAt(12_345);
      assertRow(single, warm, table.lookup(warm, List.of()));
      s3.proxy.stop();
      try {
        table.refresh();
        assertRow(single, warm, table.lookup(warm, List.of()));
        assertThatThrownBy(() -> table.lookup(cold, List.of()))
            .isInstanceOfSatisfying(NeedleException.class, e -> assertThat(e.code()).isEqualTo(NeedleException.Code.UNAVAILABLE));
      } finally {
        s3.proxy.start();
      }
      table.refresh();
      assertRow(single, cold, table.lookup(cold, List.of()));
    }
  }

  @Test
  void throttlingAndDenialBecomeTypedErrors() throws Exception {
    try (Worker worker = worker(Duration.ofHours(1), false); NeedleClient client = client(worker)) {
      Table table = client.table(BUCKET_URI + "single", FeatureTable.KEY_COLUMN);
      assertRow(single, single.keyAt(1), table.lookup(single.keyAt(1), List.of()));
      s3.proxy.inject(503, 100);
      try {
        table.refresh();
        assertThatThrownBy(() -> table.lookup(single.keyAt(17_000), List.of()))
            .isInstanceOfSatisfying(NeedleException.class, e -> assertThat(e.code()).isEqualTo(NeedleException.Code.UNAVAILABLE));
        s3.proxy.inject(403, 100);
        table.refresh();
        assertThatThrownBy(() -> table.lookup(single.keyAt(18_000), List.of()))
            .isInstanceOfSatisfying(NeedleException.class, e -> assertThat(e.code()).isEqualTo(NeedleException.Code.PERMISSION_DENIED));
      } finally {
        s3.proxy.inject(0, 0);
      }
      table.refresh();
      assertRow(single, single.keyAt(18_000), table.lookup(single.keyAt(18_000), List.of()));
    }
  }

  @Test
  void tablesOutsideTheS3RootsAreRefused() throws Exception {
    try (Worker worker = worker(Duration.ofHours(1), false); NeedleClient client = client(worker)) {
      assertThatThrownBy(() -> client.table("s3://another-bucket/t", FeatureTable.KEY_COLUMN).lookup(1L, List.of()))
          .isInstanceOfSatisfying(NeedleException.class, e -> assertThat(e.code()).isEqualTo(NeedleException.Code.PERMISSION_DENIED));
      assertThatThrownBy(() -> client.table(BUCKET_URI + "single/../x", FeatureTable.KEY_COLUMN).lookup(1L, List.of()))
          .isInstanceOfSatisfying(NeedleException.class, e -> assertThat(e.code()).isEqualTo(NeedleException.Code.INVALID_ARGUMENT));
    }
  }
}
