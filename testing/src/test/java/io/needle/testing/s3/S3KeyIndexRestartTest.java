package io.needle.testing.s3;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.needle.bench.gen.Layout;
import io.needle.bench.gen.LayoutRow;
import io.needle.client.NeedleClient;
import io.needle.client.Row;
import io.needle.client.Table;
import io.needle.protocol.BlockingFrames;
import io.needle.protocol.Frame;
import io.needle.protocol.proto.Key;
import io.needle.protocol.proto.LookupRequest;
import io.needle.protocol.proto.Request;
import io.needle.protocol.proto.Response;
import io.needle.testing.LayoutTables;
import io.needle.testing.ParquetOracle;
import io.needle.testing.TableSpec;
import io.needle.testing.cluster.ChildWorker;
import java.io.BufferedInputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The restart test: S3 tables without a page index (DuckDB's {@code COPY}, and every
 * layout of the layout tables without one: parquet-java with its page index cut off, DuckDB with
 * ZSTD, dictionary-encoded keys and v2 encodings), a warm pass on a worker in its own JVM,
 * {@code kill -9}, a new worker on the same cache directory: the same lookups make at most 2
 * object requests per file (the footer's tail; key indexes, page tables and pages all come back
 * from the page store) and give the same answers, which are parquet-java's.
 */
class S3KeyIndexRestartTest {
  private static final int ROWS = 20_000;
  private static final String TABLE = "restart";
  /** Keys per layout table: pages of several rows, several row groups per file. */
  private static final long LAYOUT_ROWS = 2_000;
  private static final List<String> COLUMNS = List.of("k", "v", "text");

  @TempDir
  static Path dir;

  static S3Fixture s3;
  static List<Path> files = new ArrayList<>();

  @BeforeAll
  static void setUp() throws Exception {
    s3 = S3Fixture.start();
    Path local = Files.createDirectories(dir.resolve(TABLE));
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
      for (int f = 0; f < 2; f++) {
        Path file = local.resolve("part-" + f + ".parquet");
        // odd int keys in a multiplicative permutation (unsorted), 200 bytes of text per row
        s.execute("COPY (SELECT (2 * ((i * 7919) % " + (2 * ROWS) + ") + 1)::INTEGER AS k, i AS v, "
            + "repeat(chr(97 + (i % 26)::INTEGER), 200) AS text FROM range(" + ROWS + ") t(i) WHERE i % 2 = " + f
            + ") TO '" + file + "' (FORMAT parquet, ROW_GROUP_SIZE 2048)");
        files.add(file);
        s3.put(TABLE + "/" + file.getFileName(), file);
      }
    }
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (s3 != null) {
      s3.close();
    }
  }

  @Test
  void afterKill9AndRestartTheSameLookupsCostAtMostTwoRequestsPerFileAndAnswerTheSame() throws Exception {
    for (Path f : files) {
      try (ParquetFileReader reader = ParquetOracle.fileReader(f)) {
        for (BlockMetaData block : reader.getRowGroups()) {
          for (ColumnChunkMetaData chunk : block.getColumns()) {
            assertThat(reader.readOffsetIndex(chunk)).as("DuckDB writes no page index").isNull();
          }
        }
      }
    }
    List<Object> keys = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      keys.add(2 * ((i * 1237 % ROWS * 7919) % (2 * ROWS)) + 1); // present
    }
    keys.addAll(List.of(0, 2, 4000, 2 * ROWS - 2, -5)); // absent: even, inside and outside the range
    Map<Object, List<String>> expected = oracle(files, "k", keys, COLUMNS);
    assertThat(expected.values().stream().filter(r -> !r.isEmpty()).count()).isEqualTo(30);
    restartAndCompare("duckdb", List.of(new Case(TABLE, files, "k", COLUMNS, keys, 4000, expected)));
  }

  /**
   * The same on every layout of the layout tables without a page index (parquet-java with its
   * page index cut off; DuckDB's {@code COPY} with ZSTD, with dictionary-encoded keys, with v2
   * encodings): keys sorted or not, string and int64 keys, duplicate keys across files; one
   * worker, then one restarted worker, for all of them.
   */
  @Test
  void everyLayoutWithoutAPageIndexRestartsFromItsPageStore() throws Exception {
    List<Case> cases = new ArrayList<>();
    for (Layout layout : Layout.values()) {
      if (layout.pageIndex()) {
        continue;
      }
      LayoutTables.Written written = LayoutTables.write(dir.resolve("layouts").resolve(layout.label()), layout,
          LAYOUT_ROWS);
      TableSpec spec = written.spec();
      String table = "restart-" + layout.label();
      for (Path f : spec.files()) {
        try (ParquetFileReader reader = ParquetOracle.fileReader(f)) {
          for (BlockMetaData block : reader.getRowGroups()) {
            for (ColumnChunkMetaData chunk : block.getColumns()) {
              assertThat(reader.readOffsetIndex(chunk)).as("%s has no page index", layout).isNull();
            }
          }
        }
        s3.put(table + "/" + f.getFileName(), f);
      }
      List<Object> keys = new ArrayList<>(spec.presentKeys());
      keys.addAll(spec.duplicateKeys());
      keys.addAll(spec.absentKeys());
      Map<Object, List<String>> expected = oracle(spec.files(), spec.keyColumn(), keys, LayoutRow.COLUMNS);
      for (Object key : keys) {
        long k = written.table().keyNumberOf(key);
        assertThat(expected.get(key)).as("%s: rows of %s", layout, key).hasSize(k < 0 ? 0 : written.table().rowsOf(k));
      }
      cases.add(new Case(table, spec.files(), spec.keyColumn(), LayoutRow.COLUMNS, keys, spec.absentKeys().get(2),
          expected));
    }
    assertThat(cases).as("layouts without a page index").hasSizeGreaterThanOrEqualTo(4);
    restartAndCompare("layouts", cases);
  }

  /**
   * One table of a restart test: its files, the keys looked up, an absent key inside the key
   * range, and the oracle's answers.
   */
  private record Case(String table, List<Path> files, String keyColumn, List<String> columns, List<Object> keys,
      Object absentInside, Map<Object, List<String>> expected) {
    String uri() {
      return "s3://" + S3Fixture.BUCKET + "/" + table;
    }
  }

  private static Map<Object, List<String>> oracle(List<Path> files, String keyColumn, List<Object> keys,
      List<String> columns) throws Exception {
    Map<Object, List<String>> expected = new LinkedHashMap<>();
    for (Object key : keys) {
      List<String> rows = new ArrayList<>();
      for (Path f : files) {
        rows.addAll(ParquetOracle.lookupJson(f, keyColumn, key, columns));
      }
      expected.put(key, rows);
    }
    return expected;
  }

  /**
   * Warm pass on a worker in its own JVM (first touch, then again once each table's absent key
   * inside the key range ships nothing), {@code kill -9}, a new worker on the same cache
   * directory: the same answers, at most 2 object requests per file, and the absent keys still
   * ship nothing.
   */
  private static void restartAndCompare(String name, List<Case> cases) throws Exception {
    Path cache = Files.createDirectories(dir.resolve("cache-" + name));
    List<String> args = List.of(cache.toString(), s3.endpoint().toString(), dir.toString());
    List<Map<Object, List<String>>> warm = new ArrayList<>();
    try (ChildWorker first = ChildWorker.startMain(S3ChildWorker.class, "s3-first", args)) {
      for (Case c : cases) {
        lookupAll(first, c); // first touch: planned from statistics, starts the key index builds
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
      for (Case c : cases) {
        while (absentKeyPages(first, c) > 0 && System.nanoTime() < deadline) {
          Thread.sleep(50);
        }
        assertThat(absentKeyPages(first, c)).as("%s: every file's key index answers absent keys", c.table()).isZero();
      }
      for (Case c : cases) {
        Map<Object, List<String>> answers = lookupAll(first, c); // the warm pass: through the indexes, pages stored
        assertThat(answers).as(c.table()).isEqualTo(c.expected());
        warm.add(answers);
      }
      first.killByPid();
    }

    try (ChildWorker second = ChildWorker.startMain(S3ChildWorker.class, "s3-second", args)) {
      for (int i = 0; i < cases.size(); i++) {
        Case c = cases.get(i);
        int before = s3.proxy.requestCount();
        assertThat(lookupAll(second, c)).as(c.table()).isEqualTo(warm.get(i));
        List<String> requests = s3.proxy.requests().subList(before, s3.proxy.requestCount());
        for (Path f : c.files()) {
          String object = "GET /" + S3Fixture.BUCKET + "/" + c.table() + "/" + f.getFileName();
          assertThat(requests.stream().filter(r -> r.startsWith(object)).count())
              .as("object requests for %s/%s after the restart: %s", c.table(), f.getFileName(), requests)
              .isLessThanOrEqualTo(2);
        }
        assertThat(absentKeyPages(second, c)).as("%s: absent keys still ship nothing", c.table()).isZero();
      }
    }
  }

  private static Map<Object, List<String>> lookupAll(ChildWorker worker, Case c) throws Exception {
    try (NeedleClient client = NeedleClient.builder().workers(List.of("127.0.0.1:" + worker.port))
        .requestTimeout(Duration.ofSeconds(60)).build()) {
      Table table = client.table(c.uri(), c.keyColumn());
      Map<Object, List<String>> out = new LinkedHashMap<>();
      for (Object key : c.keys()) {
        out.put(key, table.lookup(key, c.columns()).stream().map(Row::toJson).toList());
      }
      return out;
    }
  }

  /** Pages the worker ships for the case's absent key, which no row holds and lies inside the key range. */
  private static int absentKeyPages(ChildWorker worker, Case c) throws Exception {
    Object absent = c.absentInside();
    Key key = absent instanceof String s
        ? Key.newBuilder().setBytesValue(ByteString.copyFromUtf8(s)).build()
        : Key.newBuilder().setIntValue(((Number) absent).longValue()).build();
    try (Socket socket = new Socket("127.0.0.1", worker.port)) {
      socket.setSoTimeout(60_000);
      LookupRequest lookup = LookupRequest.newBuilder().setTableUri(c.uri()).setKeyColumn(c.keyColumn()).addAllColumns(c.columns())
          .addKeys(key).build();
      BlockingFrames.write(socket.getOutputStream(), Request.newBuilder().setRequestId(1).setLookup(lookup).build());
      Frame frame = BlockingFrames.read(new BufferedInputStream(socket.getInputStream()), 256 << 20);
      try {
        Response response = Response.parseFrom(frame.header().nioBuffer());
        assertThat(response.hasError()).as("%s", response.getError()).isFalse();
        return response.getLookup().getPagesCount();
      } finally {
        frame.release();
      }
    }
  }
}
