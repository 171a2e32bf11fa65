package io.needle.testing.s3;

import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.client.NeedleClient;
import io.needle.client.NeedleException;
import io.needle.client.Table;
import io.needle.pagestore.PageStoreConfig;
import io.needle.worker.S3Config;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * An S3 source that fails names its cause (connection refused, DNS, no answer in time), and the
 * client does not hold it against the worker: the answer is marked a source failure, the worker
 * stays up in the client's membership and serves its local table on the next call.
 */
class S3SourceErrorsTest {
  /**
   * Connect and attempt timeout when the failure must not be a timeout: a refused connection or a
   * failed name lookup fails at once, but a loaded build machine can take seconds to get there
   * (and a resolver without a network, longer).
   */
  private static final Duration GENEROUS = Duration.ofSeconds(20);

  @TempDir
  static Path dir;

  static FeatureTable local;

  @BeforeAll
  static void setUp() throws Exception {
    local = new FeatureTable(GenOptions.defaults(2_000, 1));
    local.write(dir.resolve("tables").resolve("users"));
  }

  @Test
  void aRefusedConnectionIsNamedAndTheWorkerStaysUp() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort(); // closed again: connecting to it is refused
    }
    NeedleException e = lookUpThrough(URI.create("http://127.0.0.1:" + closedPort), GENEROUS, GENEROUS);
    assertThat(e.code()).isEqualTo(NeedleException.Code.UNAVAILABLE);
    assertThat(e.isSourceFailure()).as(e.getMessage()).isTrue();
    assertThat(e.getMessage()).contains("refused the connection").contains("source unavailable")
        .doesNotContain("did not answer in time").doesNotContain("no worker left");
  }

  @Test
  void anEndpointThatNeverAnswersIsATimeout() throws Exception {
    List<Socket> held = new ArrayList<>();
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            Socket s = silent.accept(); // accepted, read from never, answered never
            synchronized (held) {
              held.add(s);
            }
          }
        } catch (java.io.IOException closed) {
          // the test is over
        }
      }, "silent-s3");
      acceptor.setDaemon(true);
      acceptor.start();
      // The connection is accepted (by the kernel at once), but its connect may complete late on a
      // loaded machine: a connect timeout is Netty's ConnectTimeoutException, a ConnectException,
      // which reads as "refused". So only the answer is timed, short.
      NeedleException e = lookUpThrough(URI.create("http://127.0.0.1:" + silent.getLocalPort()), GENEROUS,
          Duration.ofMillis(700));
      assertThat(e.code()).isEqualTo(NeedleException.Code.UNAVAILABLE);
      assertThat(e.isSourceFailure()).as(e.getMessage()).isTrue();
      assertThat(e.getMessage()).contains("did not answer in time").doesNotContain("refused");
    } finally {
      synchronized (held) {
        for (Socket s : held) {
          s.close();
        }
      }
    }
  }

  @Test
  void aHostNameThatDoesNotResolveIsADnsFailure() throws Exception {
    // .invalid never resolves (RFC 6761), with or without a network. One attempt: the SDK keeps
    // only the message of an earlier attempt's failure, so when a retry then hangs (it did once
    // on a loaded machine, for its whole 20 s attempt timeout) the call reads as the timeout it
    // became; the DNS failure is what this test is about.
    NeedleException e = lookUpThrough(URI.create("http://needle-s3.invalid:9000"), GENEROUS, GENEROUS, 0);
    assertThat(e.code()).isEqualTo(NeedleException.Code.UNAVAILABLE);
    assertThat(e.isSourceFailure()).as(e.getMessage()).isTrue();
    assertThat(e.getMessage()).contains("does not resolve").contains("DNS").contains("--s3-endpoint");
  }

  /** A lookup on an S3 table behind {@code endpoint}; then the same client's lookup on a local table still works. */
  private static NeedleException lookUpThrough(URI endpoint, Duration connectTimeout, Duration attemptTimeout)
      throws Exception {
    return lookUpThrough(endpoint, connectTimeout, attemptTimeout, 1);
  }

  private static NeedleException lookUpThrough(URI endpoint, Duration connectTimeout, Duration attemptTimeout,
      int retries) throws Exception {
    Path cache = Files.createTempDirectory(dir, "cache-");
    S3Config s3 = S3Config.defaults(List.of(URI.create("s3://bucket/")), "us-east-1")
        .withEndpoint(endpoint, true).withStaticCredentials("test", "test-secret")
        .withTimeouts(connectTimeout, attemptTimeout, attemptTimeout.multipliedBy(3), retries)
        .withPrefetchMetadata(false);
    try (Worker worker = Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(dir.resolve("tables"))),
            PageStoreConfig.of(cache, 64L << 20), s3);
         NeedleClient client = NeedleClient.builder().workers(List.of("127.0.0.1:" + worker.address().getPort()))
             .requestTimeout(Duration.ofMinutes(3)).build()) { // past the worker's call timeout
      Table remote = client.table("s3://bucket/users", FeatureTable.KEY_COLUMN);
      NeedleException e = catchThrowableOfType(NeedleException.class, () -> remote.lookup(local.keyAt(1), List.of()));
      assertThat(e).as("the S3 lookup failed").isNotNull();
      // Not marked down: the only worker still serves (else: "no worker left to try").
      Table users = client.table(dir.resolve("tables").resolve("users").toUri().toString(), FeatureTable.KEY_COLUMN);
      long key = local.keyAt(7);
      assertThat(users.lookup(key, List.of())).singleElement()
          .satisfies(row -> assertThat(row.get(FeatureTable.KEY_COLUMN)).isEqualTo(key));
      return e;
    }
  }
}
