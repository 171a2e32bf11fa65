package io.needle.testing.s3;

import io.needle.client.NeedleClient;
import io.needle.client.Table;
import io.needle.testing.iceberg.IcebergFixture;
import io.needle.testing.iceberg.IcebergTableTest;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import org.apache.iceberg.DataFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Iceberg tables on S3 (S3Proxy on loopback): written by Iceberg's writers with {@code s3://}
 * locations, uploaded as they are, served by a worker with an S3 root; metadata, manifests and
 * data files all read through the worker's S3 storage (ranged GETs with If-Match).
 */
class S3IcebergTableTest {
  private static final String WAREHOUSE = "s3://" + S3Fixture.BUCKET + "/ice";

  @TempDir
  static Path dir;

  static S3Fixture s3;

  @BeforeAll
  static void setUp() throws Exception {
    s3 = S3Fixture.start();
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (s3 != null) {
      s3.close();
    }
  }

  /** Uploads every file of the mapped folder that S3 does not hold yet (Iceberg files are immutable). */
  private static void sync(Path mapped) throws IOException {
    List<String> present = s3.keys("ice/");
    try (Stream<Path> files = Files.walk(mapped)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        String key = "ice/" + mapped.relativize(f).toString().replace('\\', '/');
        if (!present.contains(key)) {
          s3.put(key, f);
        }
      }
    }
  }

  private static Path local(Path mapped, String location) {
    return mapped.resolve(location.substring(WAREHOUSE.length() + 1));
  }

  private static Worker worker() throws Exception {
    return S3Fixture.worker(WorkerConfig.defaults("127.0.0.1", 0, List.of(dir)).withManifestTtl(Duration.ofMinutes(10)),
        dir, s3.workerConfig());
  }

  @Test
  void anIcebergTableOnS3AnswersLikeIcebergsReaderAndFollowsNewSnapshots() throws Exception {
    Path mapped = dir.resolve("mapped");
    IcebergFixture t = IcebergFixture.create(WAREHOUSE, mapped, "events");
    DataFile first = t.append(IcebergTableTest.ids(0, 400), 1);
    t.append(IcebergTableTest.ids(400, 800), 1);
    sync(mapped);
    assertThat(t.location()).startsWith("s3://");
    List<Long> keys = List.of(0L, 13L, 399L, 400L, 650L, 799L, 800L, 9999L);
    try (Worker worker = worker(); NeedleClient client = NeedleClient.builder()
        .workers(List.of("127.0.0.1:" + worker.address().getPort())).requestTimeout(Duration.ofSeconds(30)).build()) {
      Table byLocation = client.table(t.location(), IcebergFixture.KEY);
      IcebergTableTest.assertAnswers(t, byLocation, keys, p -> local(mapped, p));
      IcebergTableTest.assertAnswers(t, client.table(t.metadataLocation(), IcebergFixture.KEY), keys, p -> local(mapped, p));

      DataFile replacement = t.write(IcebergTableTest.ids(0, 400).stream().filter(k -> k % 3 == 0).toList(), 2);
      t.table.newOverwrite().deleteFile(first).addFile(replacement).commit();
      sync(mapped);
      byLocation.relist();
      IcebergTableTest.assertAnswers(t, byLocation, keys, p -> local(mapped, p));
      assertThat(byLocation.lookup(13L, List.of())).as("a key the overwrite removed").isEmpty();
    }
  }
}
