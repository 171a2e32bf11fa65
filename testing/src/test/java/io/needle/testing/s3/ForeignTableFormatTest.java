package io.needle.testing.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.needle.client.NeedleClient;
import io.needle.client.NeedleException;
import io.needle.testing.iceberg.IcebergFixture;
import io.needle.testing.iceberg.IcebergTableTest;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.iceberg.DataFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Delta Lake or Hudi table, on local disk and on S3 (S3Proxy), answers UNSUPPORTED naming its
 * format rather than being served as a directory of Parquet files (which would answer rows the
 * table deleted); the same Parquet file without the format's log folder is served, so the refusal
 * is the log folder's doing.
 */
class ForeignTableFormatTest {
  @TempDir
  static Path dir;

  static S3Fixture s3;
  static Path parquet;

  @BeforeAll
  static void setUp() throws Exception {
    s3 = S3Fixture.start();
    IcebergFixture t = IcebergFixture.create(dir.resolve("warehouse").toString(), null, "rows");
    DataFile file = t.append(IcebergTableTest.ids(0, 100), 1);
    parquet = Path.of(file.location().startsWith("file:") ? URI.create(file.location()).getPath() : file.location());
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (s3 != null) {
      s3.close();
    }
  }

  private static Worker worker() throws Exception {
    return S3Fixture.worker(WorkerConfig.defaults("127.0.0.1", 0, List.of(dir)).withManifestTtl(Duration.ofMinutes(10)),
        dir, s3.workerConfig());
  }

  /** A table folder holding one live-looking Parquet file, and the format's log folder when {@code logDir} is set. */
  private static String localTable(String name, String logDir, String logFile) throws Exception {
    Path table = dir.resolve("tables").resolve(name);
    Files.createDirectories(table);
    Files.copy(parquet, table.resolve("part-00000.parquet"));
    if (logDir != null) {
      Files.createDirectories(table.resolve(logDir));
      Files.writeString(table.resolve(logDir).resolve(logFile), "{}\n", StandardCharsets.UTF_8);
    }
    return table.toString();
  }

  private static String s3Table(String name, String logDir, String logFile) {
    String prefix = "formats/" + name + "/";
    s3.put(prefix + "part-00000.parquet", parquet);
    if (logDir != null) {
      s3.put(prefix + logDir + "/" + logFile, "{}\n".getBytes(StandardCharsets.UTF_8));
    }
    return "s3://" + S3Fixture.BUCKET + "/" + prefix;
  }

  private static void assertRefused(NeedleClient client, String uri, String format, String logDir) {
    assertThatThrownBy(() -> client.table(uri, IcebergFixture.KEY).lookup(7L, List.of()))
        .as(uri)
        .isInstanceOfSatisfying(NeedleException.class, e -> assertThat(e.code()).isEqualTo(NeedleException.Code.UNSUPPORTED))
        .hasMessageContaining(format + " table")
        .hasMessageContaining(logDir + "/");
  }

  @Test
  void deltaAndHudiTablesAreRefusedNamingTheirFormatLocallyAndOnS3() throws Exception {
    try (Worker worker = worker(); NeedleClient client = NeedleClient.builder()
        .workers(List.of("127.0.0.1:" + worker.address().getPort())).requestTimeout(Duration.ofSeconds(30)).build()) {
      assertThat(client.table(localTable("plain", null, null), IcebergFixture.KEY).lookup(7L, List.of()))
          .as("the same file in a plain directory is served").hasSize(1);
      assertThat(client.table(s3Table("plain", null, null), IcebergFixture.KEY).lookup(7L, List.of()))
          .as("the same object under a plain prefix is served").hasSize(1);

      assertRefused(client, localTable("delta", "_delta_log", "00000000000000000000.json"), "Delta Lake", "_delta_log");
      assertRefused(client, localTable("hudi", ".hoodie", "hoodie.properties"), "Apache Hudi", ".hoodie");
      assertRefused(client, s3Table("delta", "_delta_log", "00000000000000000000.json"), "Delta Lake", "_delta_log");
      assertRefused(client, s3Table("hudi", ".hoodie", "hoodie.properties"), "Apache Hudi", ".hoodie");
    }
  }
}
