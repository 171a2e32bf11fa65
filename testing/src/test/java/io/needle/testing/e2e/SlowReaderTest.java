package io.needle.testing.e2e;

import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.protocol.proto.Key;
import io.needle.protocol.proto.LookupRequest;
import io.needle.protocol.proto.Request;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * RELIABILITY.md T14: a slow reader. One client pipelines 400 lookups of large answers and
 * reads none of them: once its output is over the high watermark the worker stops reading and
 * dispatching its requests (nothing of it stays in flight), while other clients get correct rows.
 * When it finally reads, every answer arrives, in full: its pause is far shorter than the default
 * write-stall timeout (60 s; {@link #aClientThatNeverReadsIsClosedAfterTheWriteStallTimeout}).
 */
class SlowReaderTest {
  @TempDir
  static Path dir;

  /** Answers of about 60 KB each: 24 MB in all, far past the socket buffers and the watermark. */
  static final int LOOKUPS = 400;

  static FeatureTable generator;
  static Path users;

  @BeforeAll
  static void setUp() throws Exception {
    generator = new FeatureTable(GenOptions.defaults(20_000, 1));
    users = dir.resolve("users");
    generator.write(users);
  }

  @AfterAll
  static void noLeaks() throws Exception {
    LeakRecorder.assertNoLeaks();
  }

  private static Request bigLookup(long id) {
    LookupRequest.Builder b = LookupRequest.newBuilder().setTableUri(users.toString()).setKeyColumn(FeatureTable.KEY_COLUMN);
    for (int i = 0; i < 100; i++) {
      b.addKeys(Key.newBuilder().setIntValue(generator.keyAt(i * 197L)));
    }
    b.addColumns("user_id").addColumns("country");
    return Request.newBuilder().setRequestId(id).setLookup(b).build();
  }

  @Test
  void aClientThatDoesNotReadIsPausedAndOthersAreServed() throws Exception {
    WorkerConfig config = WorkerConfig.defaults("127.0.0.1", 0, List.of(dir)).withManifestTtl(Duration.ofMinutes(10));
    try (Worker worker = Worker.start(config);
         HostileClientsTest.Raw slow = new HostileClientsTest.Raw(worker.address(), null)) {
      Thread sender = Thread.ofPlatform().daemon().start(() -> {
        for (long id = 0; id < LOOKUPS; id++) {
          slow.sendQuietly(HostileClientsTest.Raw.frame(bigLookup(id))); // blocks once the worker stops reading
        }
      });
      for (int i = 0; i < 1_000 && worker.inFlight() == 0; i++) {
        Thread.sleep(5);
      }
      for (int i = 0; i < 1_000 && worker.inFlight() > 0; i++) {
        Thread.sleep(5);
      }
      assertThat(worker.inFlight()).as("requests of the slow reader still dispatched").isZero();
      assertThat(worker.bufferedRequestBytes()).as("its request bytes buffered by the worker").isLessThan(256 << 10);
      GoodClient.assertServes(worker, generator, users, 20_000);
      assertThat(worker.inFlight()).isZero();
      for (int i = 0; i < LOOKUPS; i++) {
        assertThat(slow.receive().hasError()).as("answer %d", i).isFalse();
      }
      sender.join();
    }
  }

  /**
   * The same client that never reads, against a worker whose write-stall timeout is 1 s: the
   * worker closes it (what it then reads ends before the 400th answer), its connection is no
   * longer counted, and a good client is served throughout.
   */
  @Test
  void aClientThatNeverReadsIsClosedAfterTheWriteStallTimeout() throws Exception {
    WorkerConfig defaults = WorkerConfig.defaults("127.0.0.1", 0, List.of(dir)).withManifestTtl(Duration.ofMinutes(10));
    WorkerConfig config = defaults.withServerLimits(defaults.limits().withWriteStallTimeout(Duration.ofSeconds(1)));
    try (Worker worker = Worker.start(config);
         HostileClientsTest.Raw slow = new HostileClientsTest.Raw(worker.address(), null)) {
      Thread sender = Thread.ofPlatform().daemon().start(() -> {
        for (long id = 0; id < LOOKUPS; id++) {
          slow.sendQuietly(HostileClientsTest.Raw.frame(bigLookup(id))); // fails once the worker closed it
        }
      });
      // First until the worker has counted the connection (the Raw client's connect returns
      // before the worker's accept does), then until the worker has closed it.
      for (int i = 0; i < 1_000 && worker.openConnections() == 0; i++) {
        Thread.sleep(5);
      }
      for (int i = 0; i < 6_000 && worker.openConnections() > 0; i++) {
        Thread.sleep(5);
      }
      assertThat(worker.openConnections()).as("the stalled connection, closed by the worker").isZero();
      GoodClient.assertServes(worker, generator, users, 20_000);
      int answered = 0;
      try {
        while (answered < LOOKUPS) {
          assertThat(slow.receive().hasError()).isFalse();
          answered++;
        }
      } catch (java.io.IOException closed) {
        // the end of what the worker had sent before it closed the connection
      }
      assertThat(answered).as("answers before the close").isLessThan(LOOKUPS);
      sender.join(30_000);
      assertThat(worker.inFlight()).isZero();
    }
  }
}
