package io.needle.testing.s3;

import static org.assertj.core.api.Assertions.assertThat;

import io.needle.client.NeedleClient;
import io.needle.client.Row;
import io.needle.client.Table;
import io.needle.protocol.BlockingFrames;
import io.needle.protocol.Frame;
import io.needle.protocol.proto.Key;
import io.needle.protocol.proto.LookupRequest;
import io.needle.protocol.proto.Request;
import io.needle.protocol.proto.Response;
import io.needle.testing.ParquetOracle;
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
 * The restart test: S3 tables written by DuckDB (no page index, unsorted keys), a warm
 * pass on a worker in its own JVM, {@code kill -9}, a new worker on the same cache directory:
 * the same lookups make at most 2 object requests per file (the footer's tail; key indexes, page
 * tables and pages all come back from the page store) and give the same answers, which are
 * parquet-java's.
 */
class S3KeyIndexRestartTest {
  private static final int ROWS = 20_000;
  private static final String TABLE = "restart";
  private static final String URI = "s3://" + S3Fixture.BUCKET + "/" + TABLE;
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
    Map<Object, List<String>> expected = new LinkedHashMap<>();
    for (Object key : keys) {
      List<String> rows = new ArrayList<>();
      for (Path f : files) {
        rows.addAll(ParquetOracle.lookupJson(f, "k", key, COLUMNS));
      }
      expected.put(key, rows);
    }
    assertThat(expected.values().stream().filter(r -> !r.isEmpty()).count()).isEqualTo(30);

    Path cache = Files.createDirectories(dir.resolve("cache"));
    List<String> args = List.of(cache.toString(), s3.endpoint().toString(), dir.toString());
    Map<Object, List<String>> warm;
    try (ChildWorker first = ChildWorker.startMain(S3ChildWorker.class, "s3-first", args)) {
      lookupAll(first, keys); // first touch: planned from statistics, starts the key index builds
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (absentKeyPages(first) > 0 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(absentKeyPages(first)).as("both files' key indexes answer absent keys").isZero();
      warm = lookupAll(first, keys); // the warm pass: through the indexes, pages stored
      assertThat(warm).isEqualTo(expected);
      first.killByPid();
    }

    try (ChildWorker second = ChildWorker.startMain(S3ChildWorker.class, "s3-second", args)) {
      int before = s3.proxy.requestCount();
      Map<Object, List<String>> again = lookupAll(second, keys);
      assertThat(again).isEqualTo(warm);
      List<String> requests = s3.proxy.requests().subList(before, s3.proxy.requestCount());
      for (Path f : files) {
        String object = "GET /" + S3Fixture.BUCKET + "/" + TABLE + "/" + f.getFileName();
        assertThat(requests.stream().filter(r -> r.startsWith(object)).count())
            .as("object requests for %s after the restart: %s", f.getFileName(), requests).isLessThanOrEqualTo(2);
      }
      assertThat(absentKeyPages(second)).as("absent keys still ship nothing").isZero();
    }
  }

  private static Map<Object, List<String>> lookupAll(ChildWorker worker, List<Object> keys) throws Exception {
    try (NeedleClient client = NeedleClient.builder().workers(List.of("127.0.0.1:" + worker.port))
        .requestTimeout(Duration.ofSeconds(60)).build()) {
      Table table = client.table(URI, "k");
      Map<Object, List<String>> out = new LinkedHashMap<>();
      for (Object key : keys) {
        out.put(key, table.lookup(key, COLUMNS).stream().map(Row::toJson).toList());
      }
      return out;
    }
  }

  /** Pages the worker ships for an absent key that lies inside every file's key range. */
  private static int absentKeyPages(ChildWorker worker) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", worker.port)) {
      socket.setSoTimeout(60_000);
      LookupRequest lookup = LookupRequest.newBuilder().setTableUri(URI).setKeyColumn("k").addAllColumns(COLUMNS)
          .addKeys(Key.newBuilder().setIntValue(4000)).build();
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
