package io.needle.bench.s3;

import static java.util.Objects.requireNonNull;

import io.needle.pagestore.PageStoreConfig;
import io.needle.worker.S3Config;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.parquet.io.InputFile;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;

/**
 * A table's files served as {@code s3://needle-bench/table/} by a {@link LoopbackS3Server} with an
 * injected per-request latency, and the two ways of reading it that {@code needle bench --s3}
 * compares: a worker with a page store configured for that S3 root, and parquet-java's
 * {@link InputFile}s over ranged GETs ({@link S3RangeInputFile}).
 *
 * <p>Both sides use the AWS SDK's async client over its Netty HTTP client with checksums only
 * when required, so the comparison is of what each reads, not of the HTTP stack. The worker's
 * S3 timeouts grow with the injected latency so a slow setting measures slowness instead of
 * failing.
 */
public final class LoopbackS3Table implements AutoCloseable {
  public static final String BUCKET = "needle-bench";
  private static final String PREFIX = "table/";
  private static final String ACCESS_KEY = "needle-bench";
  private static final String SECRET_KEY = "needle-bench-secret-not-checked";
  private static final long MIN_CACHE_BYTES = 256L << 20;

  private final LoopbackS3Server server;
  private final Duration requestLatency;
  private final List<String> keys;
  private final List<Long> sizes;
  private final long totalBytes;
  private final AtomicLong parquetJavaGets = new AtomicLong();
  private S3AsyncClient client; // for parquet-java, made on first use

  private LoopbackS3Table(LoopbackS3Server server, Duration requestLatency, List<String> keys, List<Long> sizes) {
    this.server = server;
    this.requestLatency = requestLatency;
    this.keys = List.copyOf(keys);
    this.sizes = List.copyOf(sizes);
    this.totalBytes = sizes.stream().mapToLong(Long::longValue).sum();
  }

  /** Starts a loopback server delaying every request by {@code requestLatency} and puts {@code files} under the table's prefix. */
  public static LoopbackS3Table serve(List<Path> files, Duration requestLatency) throws IOException {
    requireNonNull(requestLatency, "requestLatency is null");
    LoopbackS3Server server = new LoopbackS3Server(BUCKET, requestLatency);
    try {
      List<String> keys = new ArrayList<>();
      List<Long> sizes = new ArrayList<>();
      for (Path f : files) {
        String key = PREFIX + f.getFileName();
        server.put(key, f);
        keys.add(key);
        sizes.add(Files.size(f));
      }
      return new LoopbackS3Table(server, requestLatency, keys, sizes);
    } catch (IOException | RuntimeException e) {
      server.close();
      throw e;
    }
  }

  /** The table's URI for the client: {@code s3://needle-bench/table}. */
  public String uri() {
    return "s3://" + BUCKET + "/" + PREFIX.substring(0, PREFIX.length() - 1);
  }

  public URI endpoint() {
    return server.endpoint();
  }

  public Duration requestLatency() {
    return requestLatency;
  }

  /** Object GETs the server answered so far, from anyone. */
  public long serverGets() {
    return server.getRequests();
  }

  /** Object bytes the server sent in answers to GETs so far, to anyone. */
  public long serverObjectBytes() {
    return server.objectBytes();
  }

  /** GETs issued by parquet-java's input files so far. */
  public long parquetJavaGets() {
    return parquetJavaGets.get();
  }

  /**
   * How a worker reaches this table: the bucket as its S3 root, path style, static credentials.
   * Timeouts far above the injected latency: this server shares the machine with the worker and
   * the load (a fresh SDK client's first listing took over 5 s on a loaded 2-core machine), and
   * what a run measures is the latency, not whether a loopback request beats a timeout.
   */
  public S3Config workerS3Config() {
    return S3Config.defaults(List.of(URI.create("s3://" + BUCKET + "/")), "us-east-1")
        .withEndpoint(server.endpoint(), true)
        .withStaticCredentials(ACCESS_KEY, SECRET_KEY)
        .withTimeouts(Duration.ofSeconds(10), requestLatency.plusSeconds(30), requestLatency.multipliedBy(4).plusSeconds(90),
            3);
  }

  /**
   * Starts a worker on loopback serving this table through a page store in {@code cacheDir},
   * large enough (twice the table, at least 256 MiB) that nothing is evicted during a run.
   */
  public Worker startWorker(Path cacheDir) throws IOException, InterruptedException {
    return Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of()),
        PageStoreConfig.of(cacheDir, Math.max(MIN_CACHE_BYTES, 2 * totalBytes)), workerS3Config());
  }

  /** parquet-java's view of the table's objects, in file order. */
  public synchronized List<InputFile> parquetFiles() {
    if (client == null) {
      client = S3AsyncClient.builder()
          .httpClientBuilder(NettyNioAsyncHttpClient.builder())
          .endpointOverride(server.endpoint())
          .region(Region.US_EAST_1)
          .forcePathStyle(true)
          .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
          .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
          .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
          .build();
    }
    List<InputFile> files = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      files.add(new S3RangeInputFile(client, BUCKET, keys.get(i), sizes.get(i), parquetJavaGets));
    }
    return files;
  }

  @Override
  public synchronized void close() {
    try {
      if (client != null) {
        client.close();
      }
    } finally {
      server.close();
    }
  }
}
