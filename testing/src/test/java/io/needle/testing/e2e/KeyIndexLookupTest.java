package io.needle.testing.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.needle.client.NeedleClient;
import io.needle.client.Row;
import io.needle.client.Table;
import io.needle.pagestore.EvictionPolicy;
import io.needle.pagestore.PageStoreConfig;
import io.needle.protocol.BlockingFrames;
import io.needle.protocol.Frame;
import io.needle.protocol.proto.ColumnPages;
import io.needle.protocol.proto.FileResult;
import io.needle.protocol.proto.Key;
import io.needle.protocol.proto.LookupRequest;
import io.needle.protocol.proto.LookupResponse;
import io.needle.protocol.proto.Request;
import io.needle.protocol.proto.Response;
import io.needle.protocol.proto.RowGroupPages;
import io.needle.testing.ParquetOracle;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Key indexes end to end: tables as other tools write them (parquet-java with unsorted int32
 * keys and no bloom filter; DuckDB with unsorted string keys and no page index), a real worker
 * with a page store and the real client. After the first touch builds each file's index, a
 * present key ships one data page per requested column and an absent key ships no page at all
 * (counted in the raw response); answers match parquet-java's reading of the same files, before,
 * during and after the build, after a restart (the index comes back from the page store, no
 * rebuild) and across a new version of a file.
 */
class KeyIndexLookupTest {
  private static final int ROWS = 12_000;
  private static final List<String> COLUMNS = List.of("k", "v", "text");

  @TempDir
  static Path dir;

  static Path parquetJava;
  static Path duckdb;

  @BeforeAll
  static void write() throws Exception {
    parquetJava = Files.createDirectories(dir.resolve("tables/parquet_java"));
    for (int f = 0; f < 2; f++) {
      writeParquetJava(parquetJava.resolve("part-" + f + ".parquet"), f, 0);
    }
    duckdb = Files.createDirectories(dir.resolve("tables/duckdb"));
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
      for (int f = 0; f < 2; f++) {
        // keys unsorted (a multiplicative permutation), 1 KiB of text per row: no page index, large pages
        s.execute("COPY (SELECT 'key-' || lpad(((i * 7919) % " + (2 * ROWS) + ")::VARCHAR, 8, '0') AS k, "
            + "i AS v, repeat(chr(97 + (i % 26)::INTEGER), 1000) AS text FROM range(" + ROWS + ") t(i) "
            + "WHERE i % 2 = " + f + ") TO '" + duckdb.resolve("part-" + f + ".parquet") + "' (FORMAT parquet, "
            + "ROW_GROUP_SIZE 2048)");
      }
    }
  }

  /** ROWS / 2 rows whose int32 keys are odd numbers in random order; {@code shift} makes a new version. */
  static void writeParquetJava(Path path, int file, int shift) throws IOException {
    MessageType schema = MessageTypeParser.parseMessageType(
        "message t { required int32 k; required int64 v; optional binary text (STRING); }");
    SimpleGroupFactory groups = new SimpleGroupFactory(schema);
    List<Integer> keys = new ArrayList<>();
    for (int i = file; i < ROWS; i += 2) {
      keys.add(2 * i + 1 + 2 * shift);
    }
    SplittableRandom random = new SplittableRandom(file + 31L * shift);
    for (int i = keys.size() - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      keys.set(j, keys.set(i, keys.get(j)));
    }
    try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(path))
        .withConf(new PlainParquetConfiguration()).withType(schema).withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
        .withCompressionCodec(CompressionCodecName.GZIP).withPageSize(8 * 1024).withRowGroupSize(64L * 1024).build()) {
      for (int key : keys) {
        Group g = groups.newGroup().append("k", key).append("v", key * 3L + shift);
        if (key % 5 != 0) {
          g.append("text", "text of " + key + " in version " + shift);
        }
        writer.write(g);
      }
    }
  }

  private static Worker worker(Path cache) throws Exception {
    PageStoreConfig store = new PageStoreConfig(cache, 256L << 20, 1 << 20, EvictionPolicy.LRU, false, 8192, "test", true,
        false);
    return Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(dir.resolve("tables"))).withManifestTtl(
        Duration.ofMillis(1)), store, null);
  }

  private static NeedleClient client(Worker worker) {
    return NeedleClient.builder().workers(List.of("127.0.0.1:" + worker.address().getPort()))
        .requestTimeout(Duration.ofSeconds(30)).build();
  }

  private static List<String> expected(Path table, String column, Object key) throws IOException {
    List<String> out = new ArrayList<>();
    try (var files = Files.list(table)) {
      for (Path f : files.sorted().toList()) {
        out.addAll(ParquetOracle.lookupJson(f, column, key, COLUMNS));
      }
    }
    return out;
  }

  private static void waitForIndexes(Worker worker, long count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (worker.keyIndexesBuilt() < count && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(worker.keyIndexesBuilt()).as("key indexes built").isGreaterThanOrEqualTo(count);
  }

  @Test
  void presentKeysShipOnePagePerColumnAbsentKeysNothingAndAnswersMatchParquetJava() throws Exception {
    Path cache = dir.resolve("cache-main");
    String intTable = "file://" + parquetJava;
    String stringTable = "file://" + duckdb;
    try (Worker plain = Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(dir.resolve("tables"))));
        RawLookups raw = new RawLookups(plain)) {
      assertThat(raw.lookup(intTable, Key.newBuilder().setIntValue(100).build()).pages())
          .as("without a key index (no page store), an absent key costs pages").isGreaterThan(2);
    }
    try (Worker worker = worker(cache); NeedleClient client = client(worker); RawLookups raw = new RawLookups(worker)) {
      Table ints = client.table(intTable, "k");
      Table strings = client.table(stringTable, "k");
      // first touch: planned from statistics (every page may hold the key), which starts the builds
      assertThat(json(ints.lookup(101, COLUMNS))).isEqualTo(expected(parquetJava, "k", 101));
      assertThat(json(strings.lookup("key-00007919", COLUMNS))).isEqualTo(expected(duckdb, "k", "key-00007919"));
      // lookups while building take the statistics path and still answer right
      SplittableRandom random = new SplittableRandom(5);
      for (int i = 0; i < 20; i++) {
        int key = 2 * random.nextInt(ROWS) + 1;
        assertThat(json(ints.lookup(key, COLUMNS))).as("key %d while building", key).isEqualTo(expected(parquetJava, "k", key));
      }
      waitForIndexes(worker, 4);

      Reply absentInt = raw.lookup(intTable, Key.newBuilder().setIntValue(100).build());
      assertThat(absentInt.pages()).as("absent key after the index").isZero();
      assertThat(absentInt.payloadBytes()).isZero();
      Reply absentString = raw.lookup(stringTable, bytesKey("key-00012345x"));
      assertThat(absentString.pages()).isZero();

      for (int i = 0; i < 40; i++) {
        int key = 2 * random.nextInt(ROWS) + 1;
        Reply present = raw.lookup(intTable, Key.newBuilder().setIntValue(key).build());
        assertThat(present.response().getFilesList()).as("key %d: only its file", key).hasSize(1);
        assertOnePagePerColumn(present.response(), "int key " + key);
        assertThat(json(ints.lookup(key, COLUMNS))).as("key %d", key).isEqualTo(expected(parquetJava, "k", key));
        assertThat(ints.lookup(key + 1, COLUMNS)).as("absent %d", key + 1).isEmpty();
        String s = String.format("key-%08d", (random.nextInt(ROWS) * 7919L) % (2 * ROWS));
        Reply stringPresent = raw.lookup(stringTable, bytesKey(s));
        assertOnePagePerColumn(stringPresent.response(), "string key " + s);
        assertThat(json(strings.lookup(s, COLUMNS))).as("key %s", s).isEqualTo(expected(duckdb, "k", s));
      }
    }

    // restart on the same cache directory: the indexes come back from the page store, unbuilt
    try (Worker worker = worker(cache); NeedleClient client = client(worker); RawLookups raw = new RawLookups(worker)) {
      assertThat(raw.lookup(intTable, Key.newBuilder().setIntValue(100).build()).pages()).as("absent, at once").isZero();
      assertThat(raw.lookup(stringTable, bytesKey("key-00012345x")).pages()).isZero();
      Reply present = raw.lookup(intTable, Key.newBuilder().setIntValue(4001).build());
      assertOnePagePerColumn(present.response(), "int key 4001 after restart");
      assertThat(json(client.table(intTable, "k").lookup(4001, COLUMNS))).isEqualTo(expected(parquetJava, "k", 4001));
      assertThat(worker.keyIndexesBuilt()).as("nothing rebuilt").isZero();

      // a new version of a file: its old index is never used; its keys move by 2
      writeParquetJava(parquetJava.resolve("part-0.parquet"), 0, 1);
      Table ints = client.table(intTable, "k");
      ints.refresh();
      for (int key : new int[] {1, 3, 5, 4001, 4003, 2 * ROWS + 1}) {
        assertThat(json(ints.lookup(key, COLUMNS))).as("key %d of the new version", key)
            .isEqualTo(expected(parquetJava, "k", key));
      }
      waitForIndexes(worker, 1);
      for (int key : new int[] {1, 3, 5, 4001, 4003, 2 * ROWS + 1}) {
        assertThat(json(ints.lookup(key, COLUMNS))).as("key %d, new version indexed", key)
            .isEqualTo(expected(parquetJava, "k", key));
      }
    }
  }

  @Test
  void whenTheStoreEvictsIndexBlocksLookupsStayRightAndTheIndexIsRebuilt() throws Exception {
    // four 64 KiB regions, FIFO: every region, index blocks included, is soon evicted
    PageStoreConfig tiny = new PageStoreConfig(dir.resolve("cache-tiny"), 256L << 10, 64 << 10, EvictionPolicy.FIFO, false,
        4096, "test", false, false);
    List<ParquetOracle> oracles = new ArrayList<>();
    try (var files = Files.list(parquetJava)) {
      for (Path f : files.sorted().toList()) {
        oracles.add(ParquetOracle.open(f));
      }
    }
    String intTable = "file://" + parquetJava;
    try (Worker worker = Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(dir.resolve("tables"))), tiny, null);
        NeedleClient client = client(worker)) {
      Table ints = client.table(intTable, "k");
      SplittableRandom random = new SplittableRandom(11);
      int lookups = 0;
      // Builds run in the background: lookups go on until they have happened, bounded by time
      // rather than by a count of lookups (600 were not always enough on a loaded machine).
      long giveUp = System.nanoTime() + Duration.ofMinutes(2).toNanos();
      for (; worker.keyIndexesBuilt() < 3 && System.nanoTime() - giveUp < 0; lookups++) {
        int key = random.nextInt(2 * ROWS + 2); // odd: present in the version on disk, or near it; even: absent
        List<String> want = new ArrayList<>();
        for (ParquetOracle oracle : oracles) {
          want.addAll(oracle.lookupJson("k", key, COLUMNS));
        }
        assertThat(json(ints.lookup(key, COLUMNS))).as("key %d after %d lookups", key, lookups).isEqualTo(want);
        if (lookups % 50 == 49) {
          Thread.sleep(200); // let builds run between bursts
        }
      }
      assertThat(worker.keyIndexesBuilt()).as("two files indexed, then at least one rebuilt after eviction, %d lookups",
          lookups).isGreaterThanOrEqualTo(3);
    }
  }

  private static void assertOnePagePerColumn(LookupResponse response, String what) {
    int rowGroups = 0;
    for (FileResult file : response.getFilesList()) {
      for (RowGroupPages rg : file.getRowGroupsList()) {
        rowGroups++;
        assertThat(rg.getColumnsList()).as(what).hasSize(COLUMNS.size());
        for (ColumnPages column : rg.getColumnsList()) {
          assertThat(column.getDataPagesList()).as("%s: data pages of leaf %d", what, column.getLeaf()).hasSize(1);
        }
      }
    }
    assertThat(rowGroups).as("%s: the key's one row group", what).isEqualTo(1);
  }

  private static Key bytesKey(String s) {
    return Key.newBuilder().setBytesValue(ByteString.copyFrom(s, StandardCharsets.UTF_8)).build();
  }

  private static List<String> json(List<Row> rows) {
    return rows.stream().map(Row::toJson).toList();
  }

  record Reply(LookupResponse response, int pages, long payloadBytes) {}

  /** Lookups as raw frames, to count what the worker ships. */
  private static final class RawLookups implements AutoCloseable {
    private final Socket socket;
    private final BufferedInputStream in;
    private long nextId = 1;

    RawLookups(Worker worker) throws IOException {
      socket = new Socket(worker.address().getAddress(), worker.address().getPort());
      socket.setSoTimeout(30_000);
      in = new BufferedInputStream(socket.getInputStream());
    }

    Reply lookup(String tableUri, Key key) throws IOException {
      LookupRequest lookup = LookupRequest.newBuilder().setTableUri(tableUri).setKeyColumn("k").addAllColumns(COLUMNS)
          .addKeys(key).build();
      BlockingFrames.write(socket.getOutputStream(), Request.newBuilder().setRequestId(nextId++).setLookup(lookup).build());
      Frame frame = BlockingFrames.read(in, 256 << 20);
      try {
        Response response = Response.parseFrom(frame.header().nioBuffer());
        assertThat(response.hasError()).as("%s", response.getError()).isFalse();
        return new Reply(response.getLookup(), response.getLookup().getPagesCount(), frame.payload().readableBytes());
      } finally {
        frame.release();
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
