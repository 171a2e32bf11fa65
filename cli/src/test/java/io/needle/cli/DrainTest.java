package io.needle.cli;

import io.needle.testsupport.LookupLoad;
import io.needle.bench.gen.FeatureRow;
import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.bench.s3.LoopbackS3Server;
import io.needle.client.NeedleClient;
import io.needle.client.NeedleException;
import io.needle.client.Row;
import io.needle.client.Table;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * RELIABILITY.md T24 on real {@code needle serve} processes: SIGTERM under load (readiness fails
 * at once, serving goes on for the drain delay, then new calls are refused with a retryable code,
 * in-flight work finishes, the process exits inside the grace), a rolling restart with zero
 * failed lookups, and liveness (and readiness) that stay green while the origin is down. Every
 * row is checked against the generator. Figures print as {@code T24 ...} lines. The default build
 * restarts two workers once and probes the dead origin a few times; the soak ({@code -Dsoak})
 * restarts five workers four times and probes longer.
 */
class DrainTest {
  @TempDir
  Path dir;

  @Test
  void sigtermFailsReadinessAtOnceServesThroughTheDelayThenRefusesRetryablyAndExitsInsideTheGrace() throws Exception {
    FeatureTable users = new FeatureTable(GenOptions.defaults(8_000, 6));
    Path table = dir.resolve("tables").resolve("users");
    users.write(table);
    // A 30 s delay: the probe must see "not ready" and a lookup must be served after it, both inside
    // the delay. On a loaded 2-core machine the first 503 was seen 7 s after SIGTERM at a load of
    // 22, 15 s at 40 (a readiness probe is a new HTTP client, the process gets little CPU).
    List<String> drainArgs = List.of("--drain-delay", "30s", "--drain-grace", "10s");
    try (ServeProcess a = serve("a", 0, drainArgs, null); ServeProcess b = serve("b", 0, drainArgs, null);
         NeedleClient both = client(List.of(a.address, b.address));
         NeedleClient onlyA = clientThatKeeps(a.address, "a")) {
      Table toA = onlyA.table(table.toString(), FeatureTable.KEY_COLUMN);
      assertThat(lookUp(toA, users, users.keyAt(1))).isTrue();
      awaitMember(both, "a");
      awaitMember(both, "b");
      try (LookupLoad load = load(both.table(table.toString(), FeatureTable.KEY_COLUMN), users)) {
        load.awaitOk(200);
        long sigterm = System.nanoTime();
        a.terminate();
        int ready;
        long probing = System.nanoTime() + 90_000_000_000L; // past the delay: a bound, not a speed
        // -1: no HTTP answer (a probe timed out on a loaded machine): ask again
        while (((ready = a.probe("/readyz")) == 200 || ready == -1) && System.nanoTime() - probing < 0) {
          Thread.sleep(5);
        }
        long notReadyMillis = (System.nanoTime() - sigterm) / 1_000_000;
        assertThat(ready).as("readiness once SIGTERM arrived").isEqualTo(503);
        // Serving goes on while endpoints and clients catch up: this client still routes to a.
        int servedAfterNotReady = 0;
        NeedleException refusal = null;
        long end = System.nanoTime() + 90_000_000_000L; // past the delay: a bound, not a speed
        for (int i = 0; refusal == null && System.nanoTime() - end < 0; i++) {
          try {
            assertThat(lookUp(toA, users, users.keyAt(i * 7 % 8_000))).as("row").isTrue();
            servedAfterNotReady++;
          } catch (NeedleException e) {
            refusal = e;
          }
        }
        assertThat(servedAfterNotReady).as("lookups a served after reporting not ready").isPositive();
        assertThat(refusal).as("a refuses once the delay is over").isNotNull();
        assertThat(refusal.code()).as(refusal.getMessage()).isEqualTo(NeedleException.Code.UNAVAILABLE);
        assertThat(refusal.isRetryable()).isTrue();
        assertThat(a.exited(30_000)).as("a exits").isTrue();
        long exitMillis = (System.nanoTime() - sigterm) / 1_000_000;
        load.awaitOk(load.ok() + 200); // the load goes on, on b
        load.close();
        String stopped = a.logLine(" stopped ");
        assertThat(stopped).contains("in_flight_left=\"0\"");
        System.out.printf("T24 sigterm: not ready after %d ms; %d lookups served on a after that; refusal: %s; "
                + "drain_ms %s (delay 30 s, grace 10 s); exit after %d ms; load: %d ok, %d failed, %d wrong rows%n",
            notReadyMillis, servedAfterNotReady, refusal.getMessage(), ServeProcess.field(stopped, "drain_ms"), exitMillis, load.ok(),
            load.failures().size(), load.wrong());
        assertThat(load.failures()).as("failed lookups under the load").isEmpty();
        assertThat(load.wrong()).as("wrong rows").isZero();
      }
    }
  }

  /** Two workers are enough for what a rolling restart proves: while one drains and restarts, the other serves all. */
  @Test
  void aRollingRestartOfTwoWorkersFailsNoLookup() throws Exception {
    rollingRestart(2, 1);
  }

  @Test
  @Tag("soak")
  void rollingRestartsOfFiveWorkersFailNoLookup() throws Exception {
    rollingRestart(5, 4);
  }

  private void rollingRestart(int workers, int rounds) throws Exception {
    FeatureTable users = new FeatureTable(GenOptions.defaults(8_000, 10));
    Path table = dir.resolve("tables").resolve("users");
    users.write(table);
    List<String> drainArgs = List.of("--drain-delay", "1s", "--drain-grace", "10s");
    List<ServeProcess> serves = new ArrayList<>();
    try {
      for (int i = 0; i < workers; i++) {
        serves.add(serve("w" + i, 0, drainArgs, Files.createDirectories(dir.resolve("cache-" + i))));
      }
      List<String> addresses = serves.stream().map(s -> s.address).toList();
      List<String> drains = new ArrayList<>();
      List<String> recovered = new ArrayList<>();
      try (NeedleClient client = client(addresses)) {
        for (int i = 0; i < workers; i++) {
          awaitMember(client, "w" + i);
        }
        try (LookupLoad load = load(client.table(table.toString(), FeatureTable.KEY_COLUMN), users)) {
          load.awaitOk(300);
          for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < workers; i++) {
              ServeProcess old = serves.get(i);
              old.terminate();
              assertThat(old.exited(30_000)).as("w%d exits", i).isTrue();
              drains.add(ServeProcess.field(old.logLine(" stopped "), "drain_ms"));
              int port = Integer.parseInt(addresses.get(i).substring(addresses.get(i).lastIndexOf(':') + 1));
              ServeProcess fresh = serve("w" + i, port, drainArgs, dir.resolve("cache-" + i));
              serves.set(i, fresh);
              recovered.add(ServeProcess.field(fresh.logLine(" started "), "recovered_pages"));
              awaitMember(client, "w" + i); // back in the client's view before the next one goes
              load.awaitOk(load.ok() + 100);
            }
          }
          load.close();
          System.out.printf("T24 rolling restart of %d workers x %d: %d ok, %d failed, %d wrong rows; drain_ms %s; "
              + "pages recovered at each restart %s%n", workers, rounds, load.ok(), load.failures().size(), load.wrong(), drains, recovered);
          assertThat(load.failures()).as("failed lookups during the rolling restart").isEmpty();
          assertThat(load.wrong()).as("wrong rows").isZero();
        }
      }
    } finally {
      for (ServeProcess s : serves) {
        s.close();
      }
    }
  }

  @Test
  void livenessAndReadinessStayGreenWhileTheOriginIsDown() throws Exception {
    originDown(8);
  }

  @Test
  @Tag("soak")
  void livenessAndReadinessStayGreenThroughManyProbesWhileTheOriginIsDown() throws Exception {
    originDown(40);
  }

  /** {@code rounds} lookups of cold pages with the origin gone, each followed by a liveness and a readiness probe. */
  private void originDown(int rounds) throws Exception {
    FeatureTable users = new FeatureTable(GenOptions.defaults(2_000, 1));
    Path file = users.write(dir.resolve("v1")).get(0);
    LoopbackS3Server s3 = new LoopbackS3Server("needle-t24");
    s3.put("users/part-00000.parquet", file);
    try (ServeProcess serve = ServeProcess.start(List.of("--root", "s3://needle-t24/", "--port", "0", "--health-port", "0",
            "--s3-endpoint", s3.endpoint().toString(), "--s3-path-style", "--s3-attempt-timeout", "10s",
            "--s3-call-timeout", "20s", "--cache-size", "64m", "--name", "t24"), List.of("-Djava.io.tmpdir=" + Files.createDirectories(dir.resolve("tmp"))));
         // 2 min: the first lookup lists the table and loads its metadata from the loopback S3
         // server in a cold JVM, which took over 30 s at a load of 45.
         NeedleClient client = NeedleClient.builder().workers(List.of(serve.address)).requestTimeout(Duration.ofMinutes(2))
             .build()) {
      awaitMember(client, "t24");
      Table t = client.table("s3://needle-t24/users", FeatureTable.KEY_COLUMN);
      assertThat(lookUp(t, users, users.keyAt(5))).isTrue(); // listing and metadata in while the origin is up
      s3.close(); // the origin is gone
      int probes = 0;
      int livezFailures = 0;
      int readyzFailures = 0;
      int sourceFailures = 0;
      for (int i = 0; i < rounds; i++) {
        try {
          lookUp(t, users, users.keyAt(100 + i * 37)); // cold pages: they need the origin
        } catch (NeedleException e) {
          assertThat(e.code()).as(e.getMessage()).isEqualTo(NeedleException.Code.UNAVAILABLE);
          assertThat(e.isSourceFailure()).as(e.getMessage()).isTrue();
          sourceFailures++;
        }
        probes++;
        livezFailures += serve.probe("/livez") == 200 ? 0 : 1;
        readyzFailures += serve.probe("/readyz") == 200 ? 0 : 1;
      }
      System.out.printf("T24 origin down: %d lookups, %d source failures; %d liveness and %d readiness failures in %d probes%n",
          probes, sourceFailures, livezFailures, readyzFailures, probes);
      assertThat(sourceFailures).as("lookups that needed the origin failed as the source's").isPositive();
      assertThat(livezFailures).as("liveness failures while the origin is down").isZero();
      assertThat(readyzFailures).as("readiness failures: every worker shares the origin, none is worse").isZero();
    }
  }

  /**
   * A client of {@code address} alone that will not look at its membership again for 10 minutes,
   * so it keeps sending to the worker after the worker reports not ready (as a load balancer whose
   * endpoints lag would); rebuilt until its first look finds the worker up.
   */
  private static NeedleClient clientThatKeeps(String address, String name) throws InterruptedException {
    for (int attempt = 0; ; attempt++) {
      NeedleClient c = NeedleClient.builder().workers(List.of(address)).requestTimeout(Duration.ofSeconds(30))
          .membershipRefresh(Duration.ofMinutes(10)).build();
      long end = System.nanoTime() + 10_000_000_000L;
      while (!c.liveWorkers().contains(name) && System.nanoTime() - end < 0) {
        Thread.sleep(20);
      }
      if (c.liveWorkers().contains(name)) {
        return c;
      }
      c.close();
      assertThat(attempt).as("clients whose first membership look missed %s", name).isLessThan(5);
    }
  }

  /** Waits (at most 30 s) until the client's membership has {@code name} up. */
  private static void awaitMember(NeedleClient client, String name) throws InterruptedException {
    long end = System.nanoTime() + 30_000_000_000L;
    while (!client.liveWorkers().contains(name)) {
      assertThat(System.nanoTime() - end < 0).as("%s in the client's membership", name).isTrue();
      Thread.sleep(20);
    }
  }

  private ServeProcess serve(String name, int port, List<String> extra, Path cache) throws Exception {
    List<String> args = new ArrayList<>(List.of("--root", dir.resolve("tables").toString(), "--port", Integer.toString(port),
        "--health-port", "0", "--name", name));
    if (cache != null) {
      args.addAll(List.of("--cache-dir", cache.toString(), "--cache-size", "64m"));
    }
    args.addAll(extra);
    // C1 only and the serial collector, as ChildWorker runs its workers: a JVM that starts (and
    // restarts) without C2 and GC threads competing for a loaded machine's two cores. Nothing the
    // test proves depends on the JIT or the collector.
    return ServeProcess.start(args, List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
  }

  private static NeedleClient client(List<String> workers) {
    // A generous deadline: a cold JVM's first lookups on a loaded 2-core machine take seconds, and
    // what is tested is failover, not speed.
    return NeedleClient.builder().workers(workers).requestTimeout(Duration.ofSeconds(30))
        .membershipRefresh(Duration.ofMillis(200)).breakerOpen(Duration.ofMillis(500)).build();
  }

  /** True when the row of {@code key} is the generator's; throws the client's error. */
  private static boolean lookUp(Table t, FeatureTable users, long key) {
    List<Row> rows = t.lookup(key, List.of());
    if (rows.size() != 1) {
      return false;
    }
    FeatureRow want = users.expected(key);
    for (Map.Entry<String, Object> c : want.asMap().entrySet()) {
      if (!java.util.Objects.equals(rows.get(0).get(c.getKey()), c.getValue())) {
        return false;
      }
    }
    return true;
  }

  /** Back-to-back lookups of random keys of {@code users}, each checked against the generator. */
  private static LookupLoad load(Table t, FeatureTable users) {
    return LookupLoad.start("t24-load", 5, 8_000, users::keyAt, key -> lookUp(t, users, key));
  }
}
