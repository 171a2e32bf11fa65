package io.needle.cli;

import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.bench.s3.LoopbackS3Server;
import io.needle.pagestore.PageStoreConfig;
import io.needle.testsupport.CliRun;
import io.needle.worker.S3Config;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code needle lookup --table s3://...} and {@code needle refresh} against a worker serving an
 * S3 root (the loopback S3 server of needle demo as the store). Oracle: the generator's rows.
 */
class S3CliTest {
  @TempDir
  Path dir;

  @Test
  void lookupAndRefreshWorkOnAnS3Table() throws Exception {
    GenOptions o = GenOptions.defaults(3_000, 1);
    FeatureTable v1 = new FeatureTable(o);
    FeatureTable v2 = new FeatureTable(new GenOptions(o.rows(), o.files(), o.codec(), o.pageSizeBytes(),
        o.pageRowLimit(), o.rowGroupBytes(), o.embeddingDim(), o.writerVersion(), 99L));
    Path f1 = v1.write(dir.resolve("v1")).get(0);
    Path f2 = v2.write(dir.resolve("v2")).get(0);
    long key = -1;
    for (int row = 0; row < 3_000 && key < 0; row++) {
      long k = v1.keyAt(row);
      if (!java.util.Objects.equals(v1.expected(k).asMap().get("country"), v2.expected(k).asMap().get("country"))) {
        key = k;
      }
    }
    assertThat(key).as("a key whose country differs between the versions").isNotNegative();

    try (LoopbackS3Server s3 = new LoopbackS3Server("needle-demo")) {
      s3.put("users/part-00000.parquet", f1);
      S3Config config = S3Config.defaults(List.of(URI.create("s3://needle-demo/users")), "us-east-1")
          .withEndpoint(s3.endpoint(), true).withStaticCredentials("demo", "demo");
      Path cache = Files.createDirectories(dir.resolve("cache"));
      try (Worker worker = Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of()).withManifestTtl(Duration.ofHours(1)),
          PageStoreConfig.of(cache, 64L << 20), config)) {
        String address = "127.0.0.1:" + worker.address().getPort();
        String[] lookup = {"lookup", "--worker", address, "--table", "s3://needle-demo/users", "--key-column", "user_id",
            "--key", Long.toString(key), "--columns", "user_id,country"};

        CliRun before = CliRun.of(Main::run, lookup);
        assertThat(before.exit()).as(before.err()).isZero();
        assertThat(before.out().strip()).isEqualTo("{\"user_id\":" + key + ",\"country\":\"" + v1.expected(key).asMap().get("country") + "\"}");

        s3.put("users/part-00000.parquet", f2);
        CliRun refreshed = CliRun.of(Main::run, "refresh", "--worker", address, "--table", "s3://needle-demo/users");
        assertThat(refreshed.exit()).as(refreshed.err()).isZero();
        assertThat(refreshed.out()).contains(address + ": 1 files").contains("part-00000.parquet\t" + Files.size(f2) + " bytes");

        CliRun after = CliRun.of(Main::run, lookup);
        assertThat(after.exit()).as(after.err()).isZero();
        assertThat(after.out().strip()).isEqualTo("{\"user_id\":" + key + ",\"country\":\"" + v2.expected(key).asMap().get("country") + "\"}");

        CliRun outside = CliRun.of(Main::run, "refresh", "--worker", address, "--table", "s3://needle-demo/other");
        assertThat(outside.exit()).isNotZero();
        assertThat(outside.err()).contains("PERMISSION_DENIED");
      }
    }
  }
}
