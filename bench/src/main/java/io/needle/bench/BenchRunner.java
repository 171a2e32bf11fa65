package io.needle.bench;

import io.needle.bench.baseline.DuckDbTarget;
import io.needle.bench.baseline.NeedleTarget;
import io.needle.embedded.EmbeddedConfig;
import io.needle.embedded.NeedleEmbedded;
import io.needle.bench.baseline.ParquetJavaTarget;
import io.needle.bench.baseline.RedisServer;
import io.needle.bench.baseline.RedisTarget;
import io.needle.bench.baseline.TransportFloor;
import io.needle.bench.harness.LoadPlan;
import io.needle.bench.harness.Report;
import io.needle.bench.harness.WorkerCpu;
import io.needle.bench.harness.Workload;
import io.needle.client.NeedleClient;
import io.needle.client.Table;
import io.needle.pagestore.PageStoreConfig;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import io.needle.bench.harness.Directories;


/**
 * One {@code needle bench} run: generates (or reuses) a {@code needle gen} table, starts or
 * targets a worker, and measures Needle and every available baseline on the same files with the
 * same key sequences, scenario by scenario, then writes the report, results.json and the plots.
 *
 * <p>What it owns is the run on local files (the in-process or targeted worker, Redis, the slow
 * baselines, the transport floor); the tables and scenarios are {@link BenchTables}' and
 * {@link Scenario}'s, one system's measurement is {@link Measurement}'s, the runs that start
 * workers of their own (cold, first touch, {@code --s3}) are {@link ColdStarts}', and the results
 * and notes go to the {@link RunRecord}, which writes the report.
 *
 * <p>Order inside a scenario: Needle first, then the baselines, each with its own warm-up. All
 * systems share the process and the two cores, so ratios are taken within one run; absolute
 * numbers swing between runs on shared machines.
 */
public final class BenchRunner {
  private static final long MIN_PAGE_STORE_BYTES = 256L << 20;

  private final BenchOptions o;
  private final S3Options s3; // null: the tables are read from local files
  private final PrintStream out;
  private final RunRecord record;
  private final Measurement measurement;
  private final ColdStarts coldStarts;
  private BenchTable genLayout; // the user's table rewritten in gen's layout, or null

  private BenchRunner(BenchOptions options, S3Options s3, PrintStream out) {
    this.o = options;
    this.s3 = s3;
    this.out = out;
    this.record = new RunRecord(out);
    this.measurement = new Measurement(options, out, record);
    this.coldStarts = new ColdStarts(options, s3, out, record, measurement);
  }

  /** Runs everything {@code options} asks and returns the report (already printed and written). */
  public static Report run(BenchOptions options, String command, PrintStream out) throws Exception {
    return run(options, null, command, out);
  }

  /**
   * As {@link #run(BenchOptions, String, PrintStream)}; with {@code s3}, the table is served by a
   * loopback S3-protocol server and Needle is measured beside parquet-java reading the same
   * objects with ranged GETs (see {@link ColdStarts#measureOnS3}).
   */
  public static Report run(BenchOptions options, S3Options s3, String command, PrintStream out) throws Exception {
    if (s3 != null && options.worker() != null) {
      throw new IllegalArgumentException("--s3 starts its own worker: it cannot target --worker " + options.worker());
    }
    if (s3 != null && (options.userTable() != null || options.workloads().contains(Workload.RAG))) {
      throw new IllegalArgumentException("--s3 runs on the generated feature table: drop --table and the rag workload");
    }
    return new BenchRunner(options, s3, out).run(command);
  }

  private Report run(String command) throws Exception {
    Path dir = o.tableDir() != null ? o.tableDir() : Files.createTempDirectory("needle-bench-");
    try {
      BenchTables.Tables tables = BenchTables.prepare(o, dir, out, record);
      genLayout = tables.genLayout();
      if (s3 != null) {
        coldStarts.measureOnS3(tables.byWorkload());
      } else {
        measureAll(tables.byWorkload());
      }
    } finally {
      if (o.tableDir() == null) {
        Directories.deleteTree(dir);
      }
    }
    return record.write(command, o.outDir());
  }

  private void measureAll(Map<Workload, BenchTable> tables) throws Exception {
    List<Path> roots = Stream.concat(tables.values().stream(), Stream.ofNullable(genLayout))
        .map(BenchTable::root).distinct().toList();
    WorkerCpu cpu = null;
    Worker worker = null;
    String address = o.worker();
    Path cacheDir = null;
    if (address == null) {
      cpu = WorkerCpu.beforeStart();
      if (o.pageStore()) {
        cacheDir = Files.createTempDirectory("needle-bench-cache-");
        long tableBytes = 0;
        for (BenchTable t : Stream.concat(tables.values().stream(), Stream.ofNullable(genLayout)).distinct().toList()) {
          tableBytes += BenchTables.sizeOf(t.files());
        }
        worker = Worker.start(WorkerConfig.defaults("127.0.0.1", 0, roots),
            PageStoreConfig.of(cacheDir, Math.max(MIN_PAGE_STORE_BYTES, 2 * tableBytes)));
        out.println("page store in " + cacheDir);
      } else {
        worker = Worker.start(WorkerConfig.defaults("127.0.0.1", 0, roots));
      }
      cpu.afterStart();
      address = "127.0.0.1:" + worker.address().getPort();
      out.println("worker in-process on " + address + (worker.usesEpoll() ? " (epoll)" : " (nio)"));
    } else {
      out.println("targeting the worker at " + address + " (worker CPU is not measured)");
    }
    List<Scenario> scenarios = Scenario.all(o, tables);
    RedisServer redis = null;
    Map<BenchTable, RedisTarget> redisTargets = new IdentityHashMap<>();
    // Embedded mode: the same client API answered by a worker inside this JVM (no socket).
    try (NeedleClient client = NeedleClient.builder().workers(List.of(address)).requestTimeout(Measurement.CLIENT_TIMEOUT).build();
         NeedleClient embedded = NeedleEmbedded.open(EmbeddedConfig.of(roots))) {
      if (o.redis()) {
        Optional<Path> exe = RedisServer.findOnPath();
        if (exe.isEmpty()) {
          record.note("Redis baseline skipped: redis-server is not on the PATH (apt-get install redis-server)");
        } else {
          redis = RedisServer.start(exe.get());
          loadRedis(redis, scenarios, redisTargets);
        }
      }
      for (Scenario s : scenarios) {
        out.println("-- " + s.label());
        if (s.workload() == Workload.COLD) {
          coldStarts.measureCold(s, roots);
          if (o.userTable() != null) {
            coldStarts.measureFirstTouchFromS3(s);
          }
          continue;
        }
        Table table = client.table(BenchTables.uri(s.table()), s.table().keyColumn());
        NeedleTarget needle = new NeedleTarget("Needle", table, s.table().columns(), null);
        measurement.settleBeforeMeasuring(worker, needle, s);
        NeedleTarget gen = null;
        if (genLayout != null) {
          gen = new NeedleTarget("Needle (gen layout)", client.table(BenchTables.uri(genLayout), s.table().keyColumn()),
              s.table().columns(), null);
          measurement.settleBeforeMeasuring(worker, gen, s);
          measurement.warmUpTogether(s, needle, gen);
        }
        Measurement.Wire wire = measurement.measure(s, needle, o.needlePlan(), o.warmupCalls(), cpu, address, BenchTables.uri(s.table()), client);
        if (gen != null) {
          measurement.measure(s, gen, o.needlePlan(), o.warmupCalls(), null, address, BenchTables.uri(genLayout), client);
        }
        NeedleTarget inProcess = new NeedleTarget("Needle embedded", embedded.table(BenchTables.uri(s.table()), s.table().keyColumn()),
            s.table().columns(), null);
        measurement.measure(s, inProcess, o.needlePlan(), o.warmupCalls(), null, null, BenchTables.uri(s.table()), embedded);
        RedisTarget redisTarget = redisTargets.get(s.table());
        if (redisTarget != null) {
          measurement.measure(s, redisTarget, o.needlePlan(), o.warmupCalls(), null, null);
        }
        if (wire != null && s.workload().keysPerCall() == 1 && o.userTable() == null) {
          measureTransportFloor(s, wire); // generated tables: one row per present key, as the floor answers
        }
        if (s.workload().keysPerCall() == 1) {
          measureSlowBaselines(s);
        }
      }
    } finally {
      for (RedisTarget t : redisTargets.values()) {
        t.close();
      }
      if (redis != null) {
        redis.close();
      }
      if (worker != null) {
        worker.close();
      }
      if (cacheDir != null) {
        Directories.deleteTree(cacheDir);
      }
    }
  }

  /** One Redis database per table, holding the rows of every key its scenarios ask. */
  private void loadRedis(RedisServer redis, List<Scenario> scenarios, Map<BenchTable, RedisTarget> targets)
      throws IOException {
    Map<BenchTable, Set<Object>> keysByTable = new IdentityHashMap<>();
    for (Scenario s : scenarios) {
      Set<Object> keys = keysByTable.computeIfAbsent(s.table(), t -> new LinkedHashSet<>());
      for (Object[] call : s.calls().keys()) {
        keys.addAll(Arrays.asList(call));
      }
    }
    for (Map.Entry<BenchTable, Set<Object>> e : keysByTable.entrySet()) {
      RedisTarget target = new RedisTarget(redis.port(), targets.size(), e.getKey().redisRows(e.getValue()));
      targets.put(e.getKey(), target);
      target.load(e.getValue());
      out.printf("redis-server pid %d on 127.0.0.1:%d, loaded %,d distinct keys of the %s%n", redis.pid(),
          redis.port(), e.getValue().size(), e.getKey().name());
    }
  }

  private void measureSlowBaselines(Scenario s) throws Exception {
    LoadPlan slow = o.needlePlan().capCalls(o.baselineCalls()).capDuration(o.baselineDuration());
    BenchTable t = s.table();
    if (o.parquetJava()) {
      try (ParquetJavaTarget p = new ParquetJavaTarget(ParquetJavaTarget.Mode.FOOTER_CACHED, t.files(),
          t.keyColumn(), t.columns(), Long.MAX_VALUE)) {
        measurement.measure(s, p, slow, Measurement.SLOW_WARMUP_CALLS, null, null);
      }
      try (ParquetJavaTarget p = new ParquetJavaTarget(ParquetJavaTarget.Mode.PER_LOOKUP, t.files(),
          t.keyColumn(), t.columns(), Long.MAX_VALUE)) {
        measurement.measure(s, p, slow, Measurement.SLOW_WARMUP_CALLS, null, null);
      }
    }
    if (o.duckdb()) {
      try (DuckDbTarget d = new DuckDbTarget(t.files(), t.keyColumn(), t.columns(), Long.MAX_VALUE)) {
        measurement.measure(s, d, slow, Measurement.SLOW_WARMUP_CALLS, null, null);
      }
    }
  }

  /**
   * The transport floor beside Needle in one scenario: a bare Netty echo of frames the sizes of
   * Needle's requests and answers in it ({@code wire}), over a blocking socket like the client's.
   */
  private void measureTransportFloor(Scenario s, Measurement.Wire wire) throws Exception {
    int rows = s.workload() == Workload.ABSENT ? 0 : 1;
    try (TransportFloor floor = new TransportFloor((int) Math.round(wire.up()), (int) Math.round(wire.down()), rows)) {
      measurement.measure(s, floor, o.needlePlan(), o.warmupCalls(), null, null);
    }
  }
}
