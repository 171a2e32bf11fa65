package io.needle.worker;

import io.needle.protocol.proto.ErrorCode;
import io.needle.protocol.proto.Key;
import io.needle.protocol.proto.LookupRequest;
import io.needle.protocol.proto.Request;
import io.needle.protocol.proto.Response;
import io.needle.worker.hooks.TestHooks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * RELIABILITY.md T20's pushback on the worker's side: a refusal for load carries a retry-after
 * hint, a refusal for a limit the request itself broke does not (waiting would not help it).
 */
class PushbackTest {
  @TempDir
  Path root;

  private static Request lookup(long id, String table, int keys) {
    LookupRequest.Builder b = LookupRequest.newBuilder().setTableUri(table).setKeyColumn("id");
    for (int i = 0; i < keys; i++) {
      b.addKeys(Key.newBuilder().setIntValue(i));
    }
    return Request.newBuilder().setRequestId(id).setLookup(b).build();
  }

  @Test
  void aBusyWorkerAsksForQuietAndALimitDoesNot() throws Exception {
    Files.createDirectories(root.resolve("empty"));
    String table = root.resolve("empty").toString();
    WorkerConfig config = WorkerConfig.defaults("127.0.0.1", 0, List.of(root)).withLimits(64 << 10, 1 << 20, 100)
        .withServerLimits(ServerLimits.defaults().withWork(64L << 20, 1, 16));
    try (Worker worker = Worker.start(config);
         RawConnection c = new RawConnection(worker.address())) {
      c.send(lookup(1, table, 101));
      Response tooMany = c.receive().response();
      assertThat(tooMany.getError().getCode()).isEqualTo(ErrorCode.RESOURCE_EXHAUSTED);
      assertThat(tooMany.getError().getRetryAfterMs()).as("no pushback for a request over a limit").isZero();
    }
    // One request in flight at most, and every lookup held a minute by the delay hook: the first
    // stays in flight for the whole test whatever the machine's speed.
    try (Worker worker = Worker.start(config, null, null, WorkerSecurity.none(), RepagingConfig.defaults(),
        TestHooks.lookupDelay(Duration.ofMinutes(1)));
         RawConnection holder = new RawConnection(worker.address());
         RawConnection c = new RawConnection(worker.address())) {
      holder.send(lookup(2, table, 1));
      long until = System.nanoTime() + 30_000_000_000L;
      while (worker.inFlight() == 0) { // the worker has taken the held lookup
        assertThat(System.nanoTime() - until < 0).as("held lookup in flight").isTrue();
        Thread.sleep(5);
      }
      c.send(lookup(3, table, 1));
      Response busy = c.receive().response();
      assertThat(busy.getError().getCode()).isEqualTo(ErrorCode.RESOURCE_EXHAUSTED);
      assertThat(busy.getError().getRetryAfterMs()).isEqualTo(ServerLimits.RETRY_AFTER_MILLIS);
    }
  }
}
