package io.needle.testing.cluster;

import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.client.NeedleClient;
import io.needle.client.NeedleException;
import io.needle.client.Table;
import io.needle.testing.e2e.LeakRecorder;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Membership from DNS, identity by reported name, and what a client does without workers. */
class MembershipTest {
  @TempDir
  static Path dir;

  static FeatureTable generator;
  static Path tablePath;

  @BeforeAll
  static void generate() throws Exception {
    generator = new FeatureTable(GenOptions.defaults(3_000, 6));
    tablePath = dir.resolve("features");
    generator.write(tablePath);
  }

  @AfterAll
  static void leaks() throws Exception {
    LeakRecorder.assertNoLeaks();
  }

  private static WorkerConfig named(String name, int port) {
    return WorkerConfig.defaults("127.0.0.1", port, List.of(dir)).withName(name);
  }

  @Test
  void workersFromADnsNameAreKnownByTheNameTheyReport() throws Exception {
    try (Worker worker = Worker.start(named("needle-dns-0", 0));
         NeedleClient client = NeedleClient.builder().workersDns("localhost:" + worker.address().getPort()).build()) {
      Table table = client.table(tablePath.toUri().toString(), FeatureTable.KEY_COLUMN);
      long key = generator.keyAt(1234);
      assertThat(table.lookup(key, List.of("user_id"))).hasSize(1);
      assertThat(client.liveWorkers()).containsExactly("needle-dns-0");
      assertThat(client.workers()).containsExactly("localhost:" + worker.address().getPort());
    }
  }

  @Test
  void aReusedAddressAnsweringWithAnotherNameIsAnotherWorker() throws Exception {
    Worker first = Worker.start(named("needle-a", 0));
    int reusedPort = first.address().getPort();
    try (Worker other = Worker.start(named("needle-c", 0));
         NeedleClient client = NeedleClient.builder()
             .workers(List.of("127.0.0.1:" + reusedPort, "127.0.0.1:" + other.address().getPort()))
             .membershipRefresh(Duration.ofMillis(200)).build()) {
      Table table = client.table(tablePath.toUri().toString(), FeatureTable.KEY_COLUMN);
      List<Object> keys = List.of(generator.keyAt(10), generator.keyAt(1010), generator.keyAt(2010), generator.keyAt(2990));
      assertThat(table.lookupAll(keys, List.of("user_id")).values()).allSatisfy(rows -> assertThat(rows).hasSize(1));
      assertThat(client.liveWorkers()).containsExactly("needle-a", "needle-c");

      first.close();
      try (Worker second = Worker.start(named("needle-b", reusedPort))) { // same IP and port, another pod
        assertThat(table.lookupAll(keys, List.of("user_id")).values()).allSatisfy(rows -> assertThat(rows).hasSize(1));
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!client.liveWorkers().equals(List.of("needle-b", "needle-c"))) {
          assertThat(System.nanoTime()).as("membership sees needle-b within 20 s, now %s", client.liveWorkers())
              .isLessThan(deadline);
          Thread.sleep(20); // the next refresh finds needle-b at needle-a's old address
        }
        assertThat(table.lookupAll(keys, List.of("user_id")).values()).allSatisfy(rows -> assertThat(rows).hasSize(1));
      }
    } finally {
      first.close();
    }
  }

  @Test
  void withNoReachableWorkerALookupFailsUnavailable() throws Exception {
    int port;
    try (Worker gone = Worker.start(named("needle-gone", 0))) {
      port = gone.address().getPort();
    }
    try (NeedleClient client = NeedleClient.builder().workers(List.of("127.0.0.1:" + port))
        .requestTimeout(Duration.ofSeconds(5)).build()) {
      Table table = client.table(tablePath.toUri().toString(), FeatureTable.KEY_COLUMN);
      NeedleException e = catchThrowableOfType(NeedleException.class, () -> table.lookup(generator.keyAt(1), List.of()));
      assertThat(e.code()).isEqualTo(NeedleException.Code.UNAVAILABLE);
      assertThat(e.isRetryable()).isTrue();
    }
  }

  @Test
  void aWorkerThatMissedTheFirstHealthProbeIsFoundByACallWithTimeLeft() throws Exception {
    int port;
    try (Worker gone = Worker.start(named("needle-late", 0))) {
      port = gone.address().getPort();
    }
    AtomicInteger probes = new AtomicInteger();
    NeedleClient client;
    // Something at the address that drops every connection, as a worker too busy to answer: the
    // client's first refresh finds no worker there, and its next refresh is ten minutes away.
    try (ServerSocket busy = new ServerSocket(port, 50, InetAddress.getLoopbackAddress())) {
      Thread refuser = new Thread(() -> {
        while (!busy.isClosed()) {
          try (Socket s = busy.accept()) {
            s.setSoLinger(true, 0);
            probes.incrementAndGet();
          } catch (IOException closed) {
            return;
          }
        }
      });
      refuser.setDaemon(true);
      refuser.start();
      client = NeedleClient.builder().workers(List.of("127.0.0.1:" + port))
          .membershipRefresh(Duration.ofMinutes(10)).requestTimeout(Duration.ofSeconds(60)).build();
      long giveUp = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (probes.get() == 0 && System.nanoTime() < giveUp) {
        Thread.sleep(10);
      }
      assertThat(probes.get()).as("the first refresh probed the address").isPositive();
    }
    try (NeedleClient c = client; Worker late = Worker.start(named("needle-late", port))) {
      assertThat(c.liveWorkers()).isEmpty();
      Table table = c.table(tablePath.toUri().toString(), FeatureTable.KEY_COLUMN);
      long key = generator.keyAt(7);
      assertThat(table.lookup(key, List.of()).get(0).get(FeatureTable.KEY_COLUMN)).isEqualTo(key);
      assertThat(c.liveWorkers()).containsExactly("needle-late");
    }
  }
}
