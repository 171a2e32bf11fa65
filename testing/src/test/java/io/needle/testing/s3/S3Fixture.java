package io.needle.testing.s3;

import io.needle.pagestore.EvictionPolicy;
import io.needle.pagestore.PageStoreConfig;
import io.needle.worker.RepagingConfig;
import io.needle.worker.S3Config;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * An S3-protocol server (S3Proxy, in memory) on loopback, behind a {@link FaultyProxy} that
 * counts and disturbs the worker's requests, plus a direct client for the test's own uploads
 * (which the proxy does not see).
 *
 * <p>The direct client uses the SDK's Netty HTTP client, like the worker: with the
 * url-connection client, a zero-length PUT to S3Proxy now and then failed every attempt with
 * "Error writing request body to server".
 */
public final class S3Fixture implements AutoCloseable {
  public static final String ACCESS_KEY = "needle-test";
  public static final String SECRET_KEY = "needle-test-secret";
  public static final String BUCKET = "needle-tables";

  final S3Proxy s3proxy;
  final FaultyProxy proxy;
  final S3AsyncClient direct;

  private S3Fixture(S3Proxy s3proxy, FaultyProxy proxy, S3AsyncClient direct) {
    this.s3proxy = s3proxy;
    this.proxy = proxy;
    this.direct = direct;
  }

  public static S3Fixture start() throws Exception {
    S3Proxy s3proxy = S3Proxy.builder()
        .blobStore(new TransientNio2BlobStore())
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
        .endpoint(URI.create("http://127.0.0.1:0"))
        .build();
    s3proxy.start();
    long startDeadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
    while (!"STARTED".equals(s3proxy.getState())) {
      if (System.nanoTime() > startDeadline) {
        throw new IllegalStateException("S3Proxy did not start within 30 s: " + s3proxy.getState());
      }
      Thread.sleep(5);
    }
    URI endpoint = URI.create("http://127.0.0.1:" + s3proxy.getPort());
    S3AsyncClient direct = S3AsyncClient.builder()
        .httpClientBuilder(NettyNioAsyncHttpClient.builder())
        .endpointOverride(endpoint)
        .region(Region.US_EAST_1)
        .forcePathStyle(true)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
        .build();
    direct.createBucket(b -> b.bucket(BUCKET)).join();
    FaultyProxy proxy = new FaultyProxy(new InetSocketAddress(InetAddress.getLoopbackAddress(), s3proxy.getPort()));
    return new S3Fixture(s3proxy, proxy, direct);
  }

  /** The endpoint the worker should use: through the counting proxy. */
  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + proxy.port());
  }

  public void put(String key, Path file) {
    direct.putObject(b -> b.bucket(BUCKET).key(key), AsyncRequestBody.fromFile(file)).join();
  }

  void put(String key, byte[] bytes) {
    direct.putObject(b -> b.bucket(BUCKET).key(key), AsyncRequestBody.fromBytes(bytes)).join();
  }

  void delete(String key) {
    direct.deleteObject(b -> b.bucket(BUCKET).key(key)).join();
  }

  public List<String> keys(String prefix) {
    return direct.listObjectsV2(b -> b.bucket(BUCKET).prefix(prefix)).join().contents().stream().map(o -> o.key()).toList();
  }

  /**
   * A worker's S3 settings for this server: the bucket as its root, through the counting proxy,
   * with timeouts generous for a loaded 2-core machine (connect and attempt 10 s, call 25 s, two retries).
   */
  public S3Config workerConfig() {
    return workerConfig(URI.create("s3://" + BUCKET + "/"));
  }

  /** As {@link #workerConfig()}, serving only {@code root} (a bucket or a prefix of one). */
  public S3Config workerConfig(URI root) {
    return S3Config.defaults(List.of(root), "us-east-1")
        .withEndpoint(endpoint(), true)
        .withStaticCredentials(ACCESS_KEY, SECRET_KEY)
        .withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(25), 2);
  }

  /**
   * A worker as {@code config} says, with S3 as {@code s3} says (null: local tables only), a 64 MiB
   * page store in a new directory under {@code cacheParent} (admission off: every miss is stored)
   * and re-paging off (its background chunk reads would add S3 requests tests reason about).
   */
  public static Worker worker(WorkerConfig config, Path cacheParent, S3Config s3) throws Exception {
    PageStoreConfig store = new PageStoreConfig(Files.createTempDirectory(cacheParent, "cache"), 64L << 20, 1 << 20,
        EvictionPolicy.LRU, false, 8192, "test", true, false);
    return Worker.start(config, store, s3, RepagingConfig.defaults().withEnabled(false));
  }

  @Override
  public void close() throws Exception {
    direct.close();
    proxy.close();
    s3proxy.stop();
  }

}
