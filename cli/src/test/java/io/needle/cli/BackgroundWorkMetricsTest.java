package io.needle.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.needle.bench.baseline.NeedleTarget;
import io.needle.bench.gen.Layout;
import io.needle.bench.gen.LayoutRow;
import io.needle.bench.gen.LayoutTable;
import io.needle.client.NeedleClient;
import io.needle.pagestore.PageStoreConfig;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.RowGroup;
import org.apache.parquet.format.Util;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The key index and re-paging as a Prometheus scrape shows them: a real worker with a page store
 * serving a table as parquet-java writes it by default (unsorted keys, 1 MiB pages, no bloom
 * filter), looked up through the client until the worker has built and re-paged everything the
 * lookups asked for, then its {@code /metrics} read over HTTP from the health endpoint. The
 * expected numbers come from the files' footers, read with parquet-format's own Thrift reader: one index per file, one indexed
 * row per row, no more re-paged chunks and source bytes than the files' column chunks hold.
 */
class BackgroundWorkMetricsTest {
  private static final long ROWS = 3_000;

  @TempDir
  Path dir;

  @Test
  void keyIndexAndRepagingSeriesMatchWhatTheWorkerDidToTheFiles() throws Exception {
    LayoutTable layout = new LayoutTable(Layout.PARQUET_JAVA_SNAPPY, ROWS, LayoutTable.DEFAULT_SEED);
    Path table = dir.resolve("tables").resolve("t");
    List<Path> files = layout.write(table);
    long rows = 0;
    long chunks = 0;
    long chunkBytes = 0;
    for (Path file : files) {
      for (RowGroup group : footer(file).getRow_groups()) {
        rows += group.getNum_rows();
        for (ColumnChunk column : group.getColumns()) {
          chunks++;
          chunkBytes += column.getMeta_data().getTotal_compressed_size();
        }
      }
    }
    try (Worker worker = Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(table.getParent())),
            PageStoreConfig.of(Files.createDirectories(dir.resolve("cache")), 256L << 20));
        HealthEndpoint health = HealthEndpoint.start("127.0.0.1", 0, worker);
        NeedleClient client = NeedleClient.builder().workers(List.of("127.0.0.1:" + worker.address().getPort())).build()) {
      NeedleTarget needle = new NeedleTarget("Needle", client.table(table.toUri().toString(), LayoutTable.KEY_COLUMN),
          LayoutRow.COLUMNS, null);
      String before = scrape(health);
      assertThat(value(before, "needle_keyindex_builds_total")).isZero();
      assertThat(value(before, "needle_repaging_chunks_total")).isZero();

      // Rounds of lookups until a round starts no build: the first plans from statistics and
      // starts the key indexes, the next ship the files' 1 MiB pages from them and start re-paging.
      long started = -1;
      for (int round = 0; round < 20; round++) {
        awaitIdle(worker);
        String m = scrape(health);
        long now = (long) (value(m, "needle_keyindex_builds_total") + value(m, "needle_keyindex_build_failures_total")
            + value(m, "needle_repaging_chunks_total") + value(m, "needle_repaging_failures_total"));
        if (now == started) {
          break;
        }
        started = now;
        for (long k = 0; k < ROWS; k += 37) {
          assertThat(needle.lookup(new Object[] {layout.keyAt(k)})).as("rows of key %s", layout.keyAt(k))
              .isEqualTo(layout.rowsOf(k));
        }
      }

      String m = scrape(health);
      assertThat(value(m, "needle_keyindex_builds_total")).as("one key index per file").isEqualTo(files.size());
      assertThat(value(m, "needle_keyindex_build_failures_total")).isZero();
      assertThat(value(m, "needle_keyindex_rows_total")).as("every row's key indexed").isEqualTo(rows);
      assertThat(value(m, "needle_keyindex_stored_bytes_total")).as("12 bytes a row, plus block and directory headers")
          .isBetween(12.0 * rows, 12.0 * rows + 4096);
      assertThat(value(m, "needle_keyindex_build_seconds_count")).isEqualTo(files.size());
      assertThat(value(m, "needle_keyindex_build_seconds_sum")).isPositive();
      assertThat(value(m, "needle_keyindex_queue")).isZero();

      double repaged = value(m, "needle_repaging_chunks_total");
      assertThat(repaged).as("chunks re-paged").isPositive().isLessThanOrEqualTo(chunks);
      assertThat(value(m, "needle_repaging_failures_total")).isZero();
      assertThat(value(m, "needle_repaging_drops_total")).isZero();
      assertThat(value(m, "needle_repaging_tables_loaded_total")).isZero();
      assertThat(value(m, "needle_repaging_source_bytes_total")).as("each chunk read once from the source")
          .isPositive().isLessThanOrEqualTo(chunkBytes);
      assertThat(value(m, "needle_repaging_stored_bytes_total")).isPositive();
      assertThat(value(m, "needle_repaging_build_seconds_count")).isEqualTo(repaged);
      assertThat(value(m, "needle_repaging_queue")).isZero();
      assertThat(m).contains("# TYPE needle_keyindex_builds_total counter", "# TYPE needle_keyindex_queue gauge",
          "# TYPE needle_repaging_chunks_total counter", "# TYPE needle_repaging_queue gauge",
          "# TYPE needle_repaging_build_seconds summary");
    }
  }

  /** The file's footer, read with parquet-format's own Thrift reader. */
  private static FileMetaData footer(Path file) throws Exception {
    byte[] bytes = Files.readAllBytes(file);
    int length = ByteBuffer.wrap(bytes, bytes.length - 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    return Util.readFileMetaData(new ByteArrayInputStream(bytes, bytes.length - 8 - length, length));
  }

  private static void awaitIdle(Worker worker) throws InterruptedException {
    long deadline = System.nanoTime() + 120_000_000_000L;
    while ((worker.keyIndexStats().pending() > 0 || worker.repagingStats().pending() > 0)
        && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
  }

  private static String scrape(HealthEndpoint health) throws Exception {
    try (HttpClient http = HttpClient.newHttpClient()) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + health.port() + "/metrics"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      return r.body();
    }
  }

  /** The value of the one unlabelled series {@code name}. */
  private static double value(String metrics, String name) {
    List<Double> found = new ArrayList<>();
    for (String line : metrics.lines().toList()) {
      if (line.startsWith(name + " ")) {
        found.add(Double.parseDouble(line.substring(name.length() + 1).strip()));
      }
    }
    assertThat(found).as(name + " in\n" + metrics).hasSize(1);
    return found.get(0);
  }
}
