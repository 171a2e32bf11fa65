package io.needle.testing.s3;

import io.needle.pagestore.EvictionPolicy;
import io.needle.pagestore.PageStoreConfig;
import io.needle.worker.S3Config;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * A worker on S3 with a page store, in its own JVM (see {@code ChildWorker.startMain}):
 * {@code main(cacheDir, endpoint, scratchRoot)} serves the fixture's bucket until killed.
 */
public final class S3ChildWorker {
  private S3ChildWorker() {}

  public static void main(String[] args) throws Exception {
    Path cache = Path.of(args[0]);
    S3Config s3 = S3Config.defaults(List.of(URI.create("s3://" + S3Fixture.BUCKET + "/")), "us-east-1")
        .withEndpoint(URI.create(args[1]), true)
        .withStaticCredentials(S3Fixture.ACCESS_KEY, S3Fixture.SECRET_KEY)
        // Generous: on a loaded 2-core machine the in-test S3 server has taken over 10 s to answer a
        // LIST (S3KeyIndexRestartTest failed so), and a timed-out attempt's retry would add a request.
        .withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(60), 1)
        .withPrefetchMetadata(false);
    PageStoreConfig store = new PageStoreConfig(cache, 128L << 20, 1 << 20, EvictionPolicy.LRU, false, 8192, "test", true,
        false);
    Worker worker = Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(Path.of(args[2]))), store, s3);
    System.out.println("ready " + worker.address().getPort());
    System.out.flush();
    new CountDownLatch(1).await();
  }
}
