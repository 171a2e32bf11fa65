package io.needle.testing.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.needle.client.LookupStages;
import io.needle.client.NeedleClient;
import io.needle.client.Table;
import io.needle.pagestore.EvictionPolicy;
import io.needle.pagestore.PageStoreConfig;
import io.needle.protocol.proto.Key;
import io.needle.protocol.proto.LookupRequest;
import io.needle.protocol.proto.Request;
import io.needle.worker.RepagingConfig;
import io.needle.worker.RepagingStats;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
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
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trade-off of re-paging, measured (soak: {@code -Dsoak}): ~1M-row tables with 1 MiB pages,
 * written by parquet-java's defaults (ZSTD) and by DuckDB's COPY (SNAPPY, one page per chunk).
 * For each table: lookups with re-paging off, then the first-touch re-paging (time, bytes read,
 * bytes stored) and lookups on the re-paged pages with each page codec, printing wire bytes and
 * client decompress and decode time per lookup. Only sanity is asserted (speed is not).
 */
@Tag("soak")
class RepagingBenchmarkTest {
  private static final int ROWS = 1_000_000;
  private static final int LOOKUPS = 300;

  @TempDir
  static Path dir;

  @Test
  void measureRepagingOnMillionRowTables() throws Exception {
    Path pj = Files.createDirectories(dir.resolve("tables/parquet_java_zstd"));
    long started = System.nanoTime();
    writeParquetJava(pj.resolve("part-0.parquet"));
    System.out.printf("wrote %s (%d bytes) in %d ms%n", pj, Files.size(pj.resolve("part-0.parquet")),
        (System.nanoTime() - started) / 1_000_000);
    Path duck = Files.createDirectories(dir.resolve("tables/duckdb_snappy"));
    started = System.nanoTime();
    writeDuckDb(duck.resolve("part-0.parquet"));
    System.out.printf("wrote %s (%d bytes) in %d ms%n", duck, Files.size(duck.resolve("part-0.parquet")),
        (System.nanoTime() - started) / 1_000_000);
    for (Path table : List.of(pj, duck)) {
      measure(table, RepagingConfig.disabled(), "file's pages");
      for (RepagingConfig.PageCodec codec : RepagingConfig.PageCodec.values()) {
        measure(table, RepagingConfig.defaults().withCodec(codec), "re-paged " + codec);
      }
    }
  }

  private static void writeParquetJava(Path file) throws IOException {
    MessageType schema = MessageTypeParser.parseMessageType("""
        message t {
          required int64 id;
          required binary name (STRING);
          optional double score;
          optional binary body (STRING);
          optional group tags (LIST) { repeated group list { optional binary element (STRING); } }
          required boolean flag;
        }
        """);
    SimpleGroupFactory groups = new SimpleGroupFactory(schema);
    try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file))
        .withConf(new PlainParquetConfiguration()).withType(schema).withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
        .withCompressionCodec(CompressionCodecName.ZSTD).build()) {
      for (long i = 0; i < ROWS; i++) {
        Group g = groups.newGroup();
        g.append("id", i * 3);
        g.append("name", "name-" + (i % 37));
        if (i % 5 != 0) {
          g.append("score", i * 0.25);
        }
        g.append("body", "body of row " + i + " " + Long.toHexString(i * 0x9E3779B97F4A7C15L).repeat(6));
        Group tags = g.addGroup("tags");
        for (int t = 0; t < i % 4; t++) {
          tags.addGroup("list").append("element", "t" + t + "-" + (i % 100));
        }
        g.append("flag", i % 7 == 1);
        writer.write(g);
      }
    }
  }

  private static void writeDuckDb(Path file) throws Exception {
    try (Connection duck = DriverManager.getConnection("jdbc:duckdb:"); Statement s = duck.createStatement()) {
      s.execute("COPY (SELECT i * 3 AS id, 'name-' || (i % 37) AS name, CASE WHEN i % 5 = 0 THEN NULL ELSE i * 0.25 END AS score,"
          + " 'body of row ' || i || ' ' || repeat(md5(i::VARCHAR), 3) AS body,"
          + " [i % 100, i % 7]::BIGINT[] AS tags, i % 7 = 1 AS flag"
          + " FROM range(" + ROWS + ") t(i)) TO '" + file + "' (FORMAT parquet)");
    }
  }

  private static void measure(Path table, RepagingConfig repaging, String label) throws Exception {
    Path cache = Files.createTempDirectory(dir, "cache");
    PageStoreConfig store = new PageStoreConfig(cache, 4L << 30, 16 << 20, EvictionPolicy.LRU, false, 8192, "bench", true,
        false);
    try (Worker worker = Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(table.getParent())), store, null,
        repaging);
        NeedleClient client = NeedleClient.builder().workers(List.of("127.0.0.1:" + worker.address().getPort()))
            .requestTimeout(Duration.ofSeconds(120)).build()) {
      Table t = client.table(table.toUri().toString(), "id");
      Random random = new Random(42);
      // First touch: one key per 100k rows reaches every row group
      long touchStarted = System.nanoTime();
      for (long row = 0; row < ROWS; row += 100_000) {
        assertThat(t.lookup(row * 3, List.of())).hasSize(1);
      }
      worker.repagingIdle().get(30, TimeUnit.MINUTES);
      long touchNanos = System.nanoTime() - touchStarted;
      RepagingStats stats = worker.repagingStats();
      for (int i = 0; i < LOOKUPS; i++) { // warm: JIT, page store
        t.lookup(3L * random.nextInt(ROWS), List.of());
      }
      LookupStages before = client.stages();
      long[] latencies = new long[LOOKUPS];
      for (int i = 0; i < LOOKUPS; i++) {
        long key = 3L * random.nextInt(ROWS);
        long s = System.nanoTime();
        assertThat(t.lookup(key, List.of())).hasSize(1);
        latencies[i] = System.nanoTime() - s;
      }
      LookupStages window = client.stages().minus(before);
      Arrays.sort(latencies);
      long wire = 0;
      int samples = 20;
      for (int i = 0; i < samples; i++) {
        wire += payloadBytes(worker, table, 3L * random.nextInt(ROWS));
      }
      System.out.printf("%s, %s: first touch %d ms (re-paging %d chunks: %d ms, %d bytes read, %d bytes stored);"
          + " per lookup: %d wire bytes, client decompress %.1f us, decode %.1f us, p50 %.1f us%n",
          table.getFileName(), label, touchNanos / 1_000_000, stats.chunksRepaged(), stats.buildNanos() / 1_000_000,
          stats.sourceBytesRead(), stats.pageBytesStored(), wire / samples, window.meanMicros(window.decompressNanos()),
          window.meanMicros(window.decodeNanos()), latencies[LOOKUPS / 2] / 1000.0);
    }
  }

  /** Bytes of pages one lookup of {@code key} (every column) puts on the wire. */
  private static long payloadBytes(Worker worker, Path table, long key) throws IOException {
    LookupRequest lookup = LookupRequest.newBuilder().setTableUri(table.toUri().toString()).setKeyColumn("id")
        .addKeys(Key.newBuilder().setIntValue(key)).build();
    byte[] header = Request.newBuilder().setRequestId(1).setLookup(lookup).build().toByteArray();
    try (Socket socket = new Socket(worker.address().getAddress(), worker.address().getPort())) {
      DataOutputStream out = new DataOutputStream(socket.getOutputStream());
      out.writeInt(4 + header.length);
      out.writeInt(header.length);
      out.write(header);
      out.flush();
      DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
      long frame = Integer.toUnsignedLong(in.readInt());
      int headerLength = in.readInt();
      in.skipNBytes(frame - 4);
      return frame - 4 - headerLength;
    }
  }
}
