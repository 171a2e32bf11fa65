package io.needle.bench;

import io.needle.bench.baseline.DuckDbTarget;
import io.needle.bench.baseline.NeedleTarget;
import io.needle.embedded.EmbeddedConfig;
import io.needle.embedded.NeedleEmbedded;
import io.needle.bench.baseline.ParquetJavaTarget;
import io.needle.bench.baseline.RedisServer;
import io.needle.bench.baseline.RedisTarget;
import io.needle.bench.baseline.TransportFloor;
import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.bench.gen.RagTable;
import io.needle.bench.harness.ByteCountingProxy;
import io.needle.bench.prepare.PrepareOptions;
import io.needle.bench.prepare.TablePreparer;
import io.needle.bench.harness.Histograms;
import io.needle.bench.harness.KeyCalls;
import io.needle.bench.harness.KeyDistribution;
import io.needle.bench.harness.KeyPlan;
import io.needle.bench.harness.LatencyStats;
import io.needle.bench.harness.LoadDriver;
import io.needle.bench.harness.LoadPlan;
import io.needle.bench.harness.LookupTarget;
import io.needle.bench.harness.Machine;
import io.needle.bench.harness.PercentilePlot;
import io.needle.bench.harness.ProgressBar;
import io.needle.bench.harness.Report;
import io.needle.bench.harness.RunResult;
import io.needle.bench.harness.SystemResult;
import io.needle.bench.harness.WorkerCpu;
import io.needle.bench.harness.Workload;
import io.needle.bench.s3.LoopbackS3Table;
import io.needle.client.LookupStages;
import io.needle.client.NeedleClient;
import io.needle.client.Table;
import io.needle.pagestore.PageStoreConfig;
import io.needle.bench.harness.Settled;
import io.needle.worker.KeyIndexStats;
import io.needle.worker.RepagingStats;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;

/**
 * One {@code needle bench} run: generates (or reuses) a {@code needle gen} table, starts or
 * targets a worker, and measures Needle and every available baseline on the same files with the
 * same key sequences, scenario by scenario, then writes the report, results.json and the plots.
 *
 * <p>Order inside a scenario: Needle first, then the baselines, each with its own warm-up. All
 * systems share the process and the two cores, so ratios are taken within one run; absolute
 * numbers swing between runs on shared machines.
 */
public final class BenchRunner {
  private static final int DISTINCT_SINGLE_CALLS = 100_000;
  /** Keys drawn for a batch workload in all: 2,000 calls of 100 keys, 200 of 1,000. */
  private static final int DISTINCT_BATCH_KEYS = 200_000;
  private static final int WIRE_PASS_CALLS = 300;
  /** The wire pass stops after this long or WIRE_PASS_CALLS calls, or the measured run's limits when lower. */
  private static final Duration WIRE_PASS_MAX_DURATION = Duration.ofSeconds(30);
  private static final int SLOW_WARMUP_CALLS = 3;
  /** A first touch reads footers, indexes and pages from the source: measured, however long it takes. */
  private static final Duration FIRST_TOUCH_TIMEOUT = Duration.ofMinutes(2);
  /** At most this many lookups between two checks that a worker's background work has settled. */
  private static final int SETTLE_CALLS = 2_000;
  /** Calls per target (in {@link #JIT_WARMUP_ROUNDS} alternating rounds) before a layout and its rewrite are measured. */
  private static final int JIT_WARMUP_CALLS = 4_000;
  private static final int JIT_WARMUP_ROUNDS = 4;
  /** A worker that still builds after this long is measured as it is (and the report says so). */
  private static final Duration SETTLE_LIMIT = Duration.ofMinutes(5);
  private static final String RAG_DIR = "_rag";
  private static final long MIN_PAGE_STORE_BYTES = 256L << 20;
  /**
   * The bench's clients wait this long for an answer: a first call that loads a big table's
   * metadata on a machine shared with other builds can take longer than the default deadline,
   * and the bench measures latency, it does not decide failures by it.
   */
  private static final Duration CLIENT_TIMEOUT = Duration.ofMinutes(2);

  private final BenchOptions o;
  private final S3Options s3; // null: the tables are read from local files
  private final PrintStream out;
  private final List<String> notes = new ArrayList<>();
  private final List<SystemResult> results = new ArrayList<>();
  private BenchTable genLayout; // the user's table rewritten in gen's layout, or null

  private BenchRunner(BenchOptions options, S3Options s3, PrintStream out) {
    this.o = options;
    this.s3 = s3;
    this.out = out;
  }

  /** Runs everything {@code options} asks and returns the report (already printed and written). */
  public static Report run(BenchOptions options, String command, PrintStream out) throws Exception {
    return run(options, null, command, out);
  }

  /**
   * As {@link #run(BenchOptions, String, PrintStream)}; with {@code s3}, the table is served by a
   * loopback S3-protocol server and Needle is measured beside parquet-java reading the same
   * objects with ranged GETs (see {@link #measureOnS3}).
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
      Map<Workload, BenchTable> tables = tables(dir);
      if (s3 != null) {
        measureOnS3(tables);
      } else {
        measureAll(tables);
      }
    } finally {
      if (o.tableDir() == null) {
        deleteRecursively(dir);
      }
    }
    Report report = new Report(results, Machine.current(), command, notes);
    out.println();
    out.print(report.table());
    Files.createDirectories(o.outDir());
    Path json = o.outDir().resolve("results.json");
    report.writeJson(json);
    List<Path> plots = PercentilePlot.write(report, o.outDir());
    out.println("wrote " + json + " and " + plots.size() + " plot(s) in " + o.outDir());
    return report;
  }

  /**
   * The table each workload runs on, generated (or reused) only when a workload needs it. The
   * RAG table lives in {@code <dir>/_rag}: the worker skips names starting with {@code _} when it
   * lists the feature table at {@code <dir>}, so both share one directory and one worker root.
   */
  private Map<Workload, BenchTable> tables(Path dir) throws IOException {
    Map<Workload, BenchTable> tables = new EnumMap<>(Workload.class);
    if (o.userTable() != null) {
      UserTable user = openUserTable(o.userTable());
      if (o.genLayoutDir() != null) {
        genLayout = user.relocated(o.genLayoutDir(), ensureGenLayout(user, o.genLayoutDir()));
      }
      for (Workload w : o.workloads()) {
        tables.put(w, user);
      }
      return tables;
    }
    BenchTable feature = null;
    BenchTable rag = null;
    for (Workload w : o.workloads()) {
      if (w == Workload.RAG) {
        if (rag == null) {
          RagTable gen = new RagTable(RagTable.defaultOptions(o.rows(), o.files()));
          Path ragDir = dir.resolve(RAG_DIR);
          rag = GeneratedTable.rag(gen, ragDir, ensureTable("RAG table", ragDir, ".needle-bench-rag-" + o.rows()
              + "-rows-" + o.files() + "-files-" + layout(gen.options()), gen::write));
        }
        tables.put(w, rag);
      } else {
        if (feature == null) {
          FeatureTable gen = new FeatureTable(GenOptions.defaults(o.rows(), o.files()));
          feature = GeneratedTable.feature(gen, dir, ensureTable("table", dir,
              ".needle-bench-" + o.rows() + "-rows-" + o.files() + "-files-" + layout(gen.options()), gen::write));
        }
        tables.put(w, feature);
      }
    }
    return tables;
  }

  private UserTable openUserTable(UserTableSpec spec) throws IOException {
    long t0 = System.nanoTime();
    out.printf("sampling keys of %s (key column %s) ...%n", spec.location(), spec.keyColumn());
    UserTable t = UserTable.open(spec, o.seed());
    out.printf("sampled %,d distinct keys and %,d absent ones of %,d files in %.1f s; every call reads %s%n",
        t.keyCount(), t.absentKeyCount(), t.files().size(), (System.nanoTime() - t0) / 1e9, t.columns());
    note("--table: feature asks one present key, batch " + Workload.BATCH.keysPerCall() + " present keys, absent "
        + "one absent key, cold one present key on a fresh worker; each reads " + String.join(",", t.columns())
        + ". Present keys are a sample of the key column; each answer must hold every row of its keys.");
    if (t.absentKeysPastMax()) {
      note("--table: the key next to almost every sampled key exists (dense keys), so most absent keys lie past "
          + "the largest key, where statistics rule them out before any bloom filter");
    }
    return t;
  }

  /**
   * A fingerprint of everything a generated table's files depend on (codec, page and row-group
   * sizes, page version, seed, ...), so a table written with other settings, by another version
   * of the generator's defaults, is written again rather than measured by mistake.
   */
  private static String layout(GenOptions options) {
    return Integer.toHexString(options.toString().hashCode());
  }

  /** Writes a table's files into {@code dir} and returns them in file order. */
  private interface TableWriter {
    List<Path> write(Path dir) throws IOException;
  }

  private List<Path> ensureTable(String what, Path dir, String markerName, TableWriter writer) throws IOException {
    Path marker = dir.resolve(markerName);
    List<Path> files = new ArrayList<>();
    for (int f = 0; f < o.files(); f++) {
      files.add(dir.resolve(FeatureTable.fileName(f)));
    }
    if (Files.exists(marker) && files.stream().allMatch(Files::isRegularFile)) {
      out.printf("reusing the %,d-row %s in %s%n", o.rows(), what, dir);
      return files;
    }
    long t0 = System.nanoTime();
    out.printf("generating %,d rows in %d files in %s ...%n", o.rows(), o.files(), dir);
    List<Path> written = writer.write(dir);
    Files.writeString(marker, "written by needle bench\n");
    out.printf("generated in %.1f s, %,d bytes%n", (System.nanoTime() - t0) / 1e9, sizeOf(written));
    return written;
  }

  /**
   * The user's table rewritten in gen's layout in {@code dir}, written once: a marker names the
   * source files with their sizes and times, and a changed table is rewritten.
   */
  private List<Path> ensureGenLayout(UserTable user, Path dir) throws IOException {
    StringBuilder source = new StringBuilder("rows of " + user.location() + " sorted by " + user.keyColumn() + "\n");
    for (Path f : user.files()) {
      source.append(f).append(' ').append(Files.size(f)).append(' ').append(Files.getLastModifiedTime(f)).append('\n');
    }
    Path marker = dir.resolve(".needle-bench-gen-layout");
    if (Files.isRegularFile(marker) && Files.readString(marker).contentEquals(source)) {
      try (Stream<Path> files = Files.list(dir)) {
        List<Path> kept = files.filter(f -> f.getFileName().toString().endsWith(".parquet")).sorted().toList();
        if (!kept.isEmpty()) {
          out.printf("reusing the gen-layout rewrite of the table in %s%n", dir);
          return kept;
        }
      }
    }
    if (Files.isDirectory(dir)) {
      deleteRecursively(dir);
    }
    long t0 = System.nanoTime();
    out.printf("rewriting the table in needle gen's layout (sorted by %s) in %s ...%n", user.keyColumn(), dir);
    // needle prepare is the one rewrite into gen's layout: external sort, gen's writer setup.
    List<Path> written = TablePreparer.prepare(user.location(), dir, PrepareOptions.defaults(user.keyColumn()),
        new java.io.PrintStream(java.io.OutputStream.nullOutputStream())).files();
    Files.writeString(marker, source);
    out.printf("rewritten in %.1f s, %,d bytes (the table: %,d bytes)%n", (System.nanoTime() - t0) / 1e9,
        sizeOf(written), sizeOf(user.files()));
    note("Needle (gen layout): the same rows rewritten by needle prepare in needle gen's layout (sorted by the key, "
        + "8 KiB pages of at most 200 rows, page index, bloom filter on the key, SNAPPY), same keys and columns");
    return written;
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
          tableBytes += sizeOf(t.files());
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
    List<Scenario> scenarios = scenarios(tables);
    RedisServer redis = null;
    Map<BenchTable, RedisTarget> redisTargets = new IdentityHashMap<>();
    // Embedded mode: the same client API answered by a worker inside this JVM (no socket).
    try (NeedleClient client = NeedleClient.builder().workers(List.of(address)).requestTimeout(CLIENT_TIMEOUT).build();
         NeedleClient embedded = NeedleEmbedded.open(EmbeddedConfig.of(roots))) {
      if (o.redis()) {
        Optional<Path> exe = RedisServer.findOnPath();
        if (exe.isEmpty()) {
          note("Redis baseline skipped: redis-server is not on the PATH (apt-get install redis-server)");
        } else {
          redis = RedisServer.start(exe.get());
          loadRedis(redis, scenarios, redisTargets);
        }
      }
      for (Scenario s : scenarios) {
        out.println("-- " + s.label);
        if (s.workload == Workload.COLD) {
          measureCold(s, roots);
          if (o.userTable() != null) {
            measureFirstTouchFromS3(s);
          }
          continue;
        }
        Table table = client.table(uri(s.table), s.table.keyColumn());
        NeedleTarget needle = new NeedleTarget("Needle", table, s.table.columns(), null);
        settleBeforeMeasuring(worker, needle, s);
        NeedleTarget gen = null;
        if (genLayout != null) {
          gen = new NeedleTarget("Needle (gen layout)", client.table(uri(genLayout), s.table.keyColumn()),
              s.table.columns(), null);
          settleBeforeMeasuring(worker, gen, s);
          warmUpTogether(s, needle, gen);
        }
        Wire wire = measure(s, needle, o.needlePlan(), o.warmupCalls(), cpu, address, uri(s.table), client);
        if (gen != null) {
          measure(s, gen, o.needlePlan(), o.warmupCalls(), null, address, uri(genLayout), client);
        }
        NeedleTarget inProcess = new NeedleTarget("Needle embedded", embedded.table(uri(s.table), s.table.keyColumn()),
            s.table.columns(), null);
        measure(s, inProcess, o.needlePlan(), o.warmupCalls(), null, null, uri(s.table), embedded);
        RedisTarget redisTarget = redisTargets.get(s.table);
        if (redisTarget != null) {
          measure(s, redisTarget, o.needlePlan(), o.warmupCalls(), null, null);
        }
        if (wire != null && s.workload.keysPerCall() == 1 && o.userTable() == null) {
          measureTransportFloor(s, wire); // generated tables: one row per present key, as the floor answers
        }
        if (s.workload.keysPerCall() == 1) {
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
        deleteRecursively(cacheDir);
      }
    }
  }

  /** One Redis database per table, holding the rows of every key its scenarios ask. */
  private void loadRedis(RedisServer redis, List<Scenario> scenarios, Map<BenchTable, RedisTarget> targets)
      throws IOException {
    Map<BenchTable, Set<Object>> keysByTable = new IdentityHashMap<>();
    for (Scenario s : scenarios) {
      Set<Object> keys = keysByTable.computeIfAbsent(s.table, t -> new LinkedHashSet<>());
      for (Object[] call : s.calls.keys()) {
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
    BenchTable t = s.table;
    if (o.parquetJava()) {
      try (ParquetJavaTarget p = new ParquetJavaTarget(ParquetJavaTarget.Mode.FOOTER_CACHED, t.files(),
          t.keyColumn(), t.columns(), Long.MAX_VALUE)) {
        measure(s, p, slow, SLOW_WARMUP_CALLS, null, null);
      }
      try (ParquetJavaTarget p = new ParquetJavaTarget(ParquetJavaTarget.Mode.PER_LOOKUP, t.files(),
          t.keyColumn(), t.columns(), Long.MAX_VALUE)) {
        measure(s, p, slow, SLOW_WARMUP_CALLS, null, null);
      }
    }
    if (o.duckdb()) {
      try (DuckDbTarget d = new DuckDbTarget(t.files(), t.keyColumn(), t.columns(), Long.MAX_VALUE)) {
        measure(s, d, slow, SLOW_WARMUP_CALLS, null, null);
      }
    }
  }

  private static String uri(BenchTable table) {
    return table.location().toUri().toString();
  }

  private void measure(Scenario s, LookupTarget target, LoadPlan plan, int warmupCalls, WorkerCpu cpu,
      String workerAddress) throws Exception {
    measure(s, target, plan, warmupCalls, cpu, workerAddress, uri(s.table), null);
  }

  /** Bytes per call on a Needle connection, each way, frame prefixes included. */
  private record Wire(double up, double down) {
    double total() {
      return up + down;
    }
  }

  /**
   * The transport floor beside Needle in one scenario: a bare Netty echo of frames the sizes of
   * Needle's requests and answers in it ({@code wire}), over a blocking socket like the client's.
   */
  private void measureTransportFloor(Scenario s, Wire wire) throws Exception {
    int rows = s.workload == Workload.ABSENT ? 0 : 1;
    try (TransportFloor floor = new TransportFloor((int) Math.round(wire.up()), (int) Math.round(wire.down()), rows)) {
      measure(s, floor, o.needlePlan(), o.warmupCalls(), null, null);
    }
  }

  /**
   * @param tableUri the table as the worker at {@code workerAddress} serves it (for the wire pass)
   * @param stagesOf the client whose stage clock times {@code target}'s calls, or null
   * @return the bytes per call on the connection to {@code workerAddress}, or null without one
   */
  private Wire measure(Scenario s, LookupTarget target, LoadPlan plan, int warmupCalls, WorkerCpu cpu,
      String workerAddress, String tableUri, NeedleClient stagesOf) throws Exception {
    if (warmupCalls > 0) {
      LoadDriver.run(target, s.calls, new LoadPlan(plan.callers(), warmupCalls, Duration.ofSeconds(60), 0),
          LoadDriver.Progress.NONE);
    }
    long cpu0 = cpu == null ? 0 : cpu.cpuNanos();
    LookupStages stages0 = stagesOf == null ? null : stagesOf.stages();
    LoadDriver.Progress bar = ProgressBar.onTerminal(System.err, target.name(), Math.min(plan.maxCalls(),
        target.maxCalls()));
    RunResult r = LoadDriver.run(target, s.calls, plan, bar);
    ProgressBar.clear(System.err, bar);
    double workerCpuMicros = cpu == null ? Double.NaN : (cpu.cpuNanos() - cpu0) / 1000.0 / r.stats().lookups();
    LookupStages stages = stagesOf == null ? null : stagesOf.stages().minus(stages0);
    Wire wire = workerAddress == null ? null : wireBytesPerCall(s, workerAddress, tableUri,
        new LoadPlan(1, Math.min(WIRE_PASS_CALLS, plan.maxCalls()), plan.maxDuration().compareTo(WIRE_PASS_MAX_DURATION)
            < 0 ? plan.maxDuration() : WIRE_PASS_MAX_DURATION, 0));
    LatencyStats st = r.stats();
    out.printf("   %-34s %,8d calls  p50 %,10.1f µs  p99 %,10.1f µs  %,10.0f calls/s%n", target.name(), st.lookups(),
        st.p50Micros(), st.p99Micros(), st.throughputPerSecond());
    results.add(new SystemResult(target.name(), s.label, st, r.latencyNanos(), wire == null ? Double.NaN : wire.total(),
        workerCpuMicros, stages));
    return wire;
  }

  /** Bytes both ways per call, through a counting relay, on a separate client (not timed). */
  private static Wire wireBytesPerCall(Scenario s, String workerAddress, String tableUri, LoadPlan pass)
      throws Exception {
    String[] hp = workerAddress.split(":");
    try (ByteCountingProxy proxy = new ByteCountingProxy(
            new java.net.InetSocketAddress(hp[0], Integer.parseInt(hp[1])));
        NeedleClient client = NeedleClient.builder().workers(List.of(proxy.hostPort())).requestTimeout(CLIENT_TIMEOUT)
            .build()) {
      NeedleTarget t = new NeedleTarget("Needle", client.table(tableUri, s.table.keyColumn()), s.table.columns(), null);
      LoadPlan one = new LoadPlan(1, 20, Duration.ofSeconds(30), 0);
      LoadDriver.run(t, s.calls, one, LoadDriver.Progress.NONE); // connect and describe first
      long up0 = proxy.toServerBytes();
      long down0 = proxy.toClientBytes();
      RunResult r = LoadDriver.run(t, s.calls, pass,
          LoadDriver.Progress.NONE);
      // the relay may still be forwarding the last reply's tail; every reply was read by then, so
      // the counts are complete once the driver returns.
      double calls = r.stats().lookups();
      return new Wire((proxy.toServerBytes() - up0) / calls, (proxy.toClientBytes() - down0) / calls);
    }
  }

  /** First lookup on a fresh worker and client, {@code coldSamples} times. */
  private void measureCold(Scenario s, List<Path> roots) throws Exception {
    if (o.worker() != null) {
      note("cold workload skipped: it restarts the worker, which needs the in-process worker");
      return;
    }
    measureCold(s, "Needle (cold)", uri(s.table), sample -> Worker.start(WorkerConfig.defaults("127.0.0.1", 0, roots)),
        "cold: each sample starts a fresh worker and client and times its first lookup (describe, connect, "
            + "footer and index loads); the OS page cache stays warm. Throughput there is 1 / mean latency.");
  }

  /**
   * First touch of the user's table: per sample, its files on a fresh loopback S3 server (no
   * injected latency) and a fresh worker with an empty page store; the first lookup's time, and
   * the requests and object bytes the worker read from the source to answer it.
   */
  private void measureFirstTouchFromS3(Scenario s) throws Exception {
    Histogram h = Histograms.newNanos();
    long measured = 0;
    long gets = 0;
    long bytes = 0;
    double settleSeconds = 0;
    double settleGets = 0;
    double settleBytes = 0;
    double indexes = 0;
    double indexBytes = 0;
    double indexRows = 0;
    double chunks = 0;
    double chunkBytes = 0;
    Path caches = Files.createTempDirectory("needle-bench-first-touch-");
    try {
      for (int i = 0; i < o.coldSamples(); i++) {
        try (LoopbackS3Table lake = LoopbackS3Table.serve(s.table.files(), Duration.ZERO);
            Worker w = lake.startWorker(Files.createDirectory(caches.resolve("sample-" + i)));
            NeedleClient c = NeedleClient.builder().workers(List.of("127.0.0.1:" + w.address().getPort()))
                .requestTimeout(FIRST_TOUCH_TIMEOUT).build()) {
          NeedleTarget t = new NeedleTarget("Needle S3 (first touch)", c.table(lake.uri(), s.table.keyColumn()),
              s.table.columns(), null);
          int call = i % s.calls.size();
          long gets0 = w.s3GetRequests();
          long bytes0 = lake.serverObjectBytes();
          long begin = System.nanoTime();
          int found = t.lookup(s.calls.keys()[call]);
          long end = System.nanoTime();
          if (found != s.calls.expectedRows()[call]) {
            throw new IllegalStateException("first lookup from S3 of key " + s.calls.keys()[call][0] + " found " + found
                + " rows");
          }
          measured += end - begin;
          gets += w.s3GetRequests() - gets0;
          bytes += lake.serverObjectBytes() - bytes0;
          Histograms.record(h, end - begin);
          settle(w, t, s, settleCalls());
          settleSeconds += (System.nanoTime() - begin) / 1e9;
          settleGets += w.s3GetRequests() - gets0;
          settleBytes += lake.serverObjectBytes() - bytes0;
          KeyIndexStats ki = w.keyIndexStats();
          RepagingStats rp = w.repagingStats();
          indexes += ki.built();
          indexBytes += ki.storedBytes();
          indexRows += ki.rowsIndexed();
          chunks += rp.chunksRepaged();
          chunkBytes += rp.pageBytesStored();
        }
      }
    } finally {
      deleteRecursively(caches);
    }
    int n = o.coldSamples();
    Settled settled = new Settled(settleSeconds / n, settleGets / n, settleBytes / n, indexes / n,
        indexRows == 0 ? Double.NaN : indexBytes / indexRows, chunks / n, chunkBytes / n);
    LatencyStats st = LatencyStats.of(h, Math.max(1, measured));
    double getsPerCall = gets / (double) o.coldSamples();
    double bytesPerCall = bytes / (double) o.coldSamples();
    out.printf("   %-34s %,8d calls  p50 %,10.1f µs  %,.1f GETs and %,.0f bytes from the source per first lookup%n",
        "Needle S3 (first touch)", st.lookups(), st.p50Micros(), getsPerCall, bytesPerCall);
    out.printf("   %-34s settled after %.1f s: %.1f key indexes (%.2f B/row), %.1f chunks re-paged; %,.1f GETs and "
        + "%,.0f bytes from the source in all%n", "", settled.seconds(), settled.keyIndexes(), settled.indexBytesPerRow(),
        settled.chunksRepaged(), settled.sourceGets(), settled.sourceBytes());
    results.add(new SystemResult("Needle S3 (first touch)", s.label, st, h, Double.NaN, Double.NaN, null, getsPerCall,
        bytesPerCall, settled));
    note("first touch: each sample serves the table from a fresh loopback S3 server (no injected latency) to a fresh "
        + "worker with an empty page store and times the first lookup; the GETs and object bytes are what the worker "
        + "read from the source to answer it (listing not counted). Then lookups of the scenario's keys go on until "
        + "the worker has no key index to build and no chunk to re-page: \"settled\" is the time from the first "
        + "lookup until then, and what the worker read and stored meanwhile");
  }

  /**
   * The warm figures are "after first touch": lookups until {@code worker} (in-process) has built
   * the table's key indexes and re-paged its big chunks, so that the measured calls do not race
   * the background work. Nothing to do when the worker is elsewhere, or has no page store (it
   * then neither indexes nor re-pages).
   */
  private void settleBeforeMeasuring(Worker worker, NeedleTarget target, Scenario s) throws Exception {
    if (worker == null || worker.pageStoreStats() == null) {
      return;
    }
    long t0 = System.nanoTime();
    KeyIndexStats ki0 = worker.keyIndexStats();
    RepagingStats rp0 = worker.repagingStats();
    boolean settled = settle(worker, target, s, settleCalls());
    KeyIndexStats ki = worker.keyIndexStats();
    RepagingStats rp = worker.repagingStats();
    if (ki.built() + ki.failed() + rp.chunksRepaged() + rp.chunksDeclined() + rp.tablesLoaded()
        > ki0.built() + ki0.failed() + rp0.chunksRepaged() + rp0.chunksDeclined() + rp0.tablesLoaded()) {
      out.printf("   %-34s settled in %.1f s: %d key indexes built, %d chunks re-paged (%d failed)%n", target.name(),
          (System.nanoTime() - t0) / 1e9, ki.built() - ki0.built(), rp.chunksRepaged() - rp0.chunksRepaged(),
          ki.failed() - ki0.failed() + rp.chunksDeclined() - rp0.chunksDeclined());
    }
    if (!settled) {
      note(target.name() + " on " + s.label + ": the worker still built key indexes or re-paged after "
          + SETTLE_LIMIT.toSeconds() + " s of lookups; measured as it was");
    }
  }

  /**
   * Warms a table and its gen-layout rewrite up together, in alternating rounds, before either is
   * measured. Measured as before (the table settled and measured, then its rewrite), the first
   * layouts of a JVM took every stage, worker plan and client decode included, 3-8x longer than
   * their rewrite measured right after them (2026-12-07 layout runs): the lookup path was still
   * being compiled, on a loaded machine, while the table was measured, and was hot for the rewrite.
   */
  private void warmUpTogether(Scenario s, NeedleTarget needle, NeedleTarget gen) throws Exception {
    LoadPlan round = new LoadPlan(1, JIT_WARMUP_CALLS / JIT_WARMUP_ROUNDS, Duration.ofSeconds(20), 0);
    for (int i = 0; i < JIT_WARMUP_ROUNDS; i++) {
      LoadDriver.run(needle, s.calls, round, LoadDriver.Progress.NONE);
      LoadDriver.run(gen, s.calls, round, LoadDriver.Progress.NONE);
    }
  }

  /** The calls of one settling round: those the measured runs ask (they start at the first call), at most {@link #SETTLE_CALLS}. */
  private long settleCalls() {
    return Math.min(SETTLE_CALLS, Math.max(o.needlePlan().maxCalls(), o.warmupCalls()));
  }

  /**
   * Looks up the scenario's first {@code calls} calls, round after round, until {@code worker}
   * has no key index build and no re-paging queued or running and a round started none; false
   * when {@link #SETTLE_LIMIT} ran out first.
   */
  private static boolean settle(Worker worker, LookupTarget target, Scenario s, long calls) throws Exception {
    long deadline = System.nanoTime() + SETTLE_LIMIT.toNanos();
    long before = -1;
    LoadPlan round = new LoadPlan(1, calls, Duration.ofSeconds(60), 0);
    while (System.nanoTime() < deadline) {
      while (worker.keyIndexStats().pending() > 0 || worker.repagingStats().pending() > 0) {
        if (System.nanoTime() >= deadline) {
          return false;
        }
        Thread.sleep(20);
      }
      KeyIndexStats ki = worker.keyIndexStats();
      RepagingStats rp = worker.repagingStats();
      long done = ki.built() + ki.failed() + rp.chunksRepaged() + rp.chunksDeclined() + rp.tablesLoaded()
          + rp.chunksDropped();
      if (done == before) {
        return true;
      }
      before = done;
      LoadDriver.run(target, s.calls, round, LoadDriver.Progress.NONE);
    }
    return false;
  }

  /** Starts the fresh worker of one cold sample. */
  private interface ColdStart {
    Worker start(int sample) throws Exception;
  }

  private void measureCold(Scenario s, String system, String tableUri, ColdStart start, String explanation)
      throws Exception {
    Histogram h = Histograms.newNanos();
    long t0 = System.nanoTime();
    long measured = 0;
    for (int i = 0; i < o.coldSamples(); i++) {
      try (Worker w = start.start(i);
          NeedleClient c = NeedleClient.builder().workers(List.of("127.0.0.1:" + w.address().getPort()))
              .requestTimeout(CLIENT_TIMEOUT).build()) {
        NeedleTarget t = new NeedleTarget(system, c.table(tableUri, s.table.keyColumn()), s.table.columns(), null);
        int call = i % s.calls.size();
        Object[] key = s.calls.keys()[call];
        long begin = System.nanoTime();
        int found = t.lookup(key);
        long end = System.nanoTime();
        measured += end - begin;
        if (found != s.calls.expectedRows()[call]) {
          throw new IllegalStateException("cold lookup of key " + key[0] + " found " + found + " rows");
        }
        Histograms.record(h, end - begin);
      }
    }
    LatencyStats st = LatencyStats.of(h, Math.max(1, measured));
    out.printf("   %-34s %,8d calls  p50 %,10.1f µs  p99 %,10.1f µs  (first lookup after start; %.1f s)%n",
        system, st.lookups(), st.p50Micros(), st.p99Micros(), (System.nanoTime() - t0) / 1e9);
    results.add(new SystemResult(system, s.label, st, h, Double.NaN, Double.NaN));
    note(explanation);
  }

  /**
   * The run of {@code --s3}: the feature table's files on a {@link LoopbackS3Table} with the
   * injected per-request latency, an in-process worker with an empty page store serving
   * {@code s3://needle-bench/table}, and per scenario:
   * <ul>
   *   <li>Needle S3 (warm): every key the scenario's Needle calls will ask is looked up once
   *       first ({@link #fillPageStore}), so the measured calls find their pages in the page store;
   *       the worker's GETs while measuring are printed (they should be none);</li>
   *   <li>parquet-java S3 (footer cached, opened per lookup): parquet-java's reader with every
   *       pushdown on over ranged GETs of the same objects, nothing kept between lookups but the
   *       footers in the first mode; its GETs per lookup are printed;</li>
   *   <li>cold: a fresh worker with an empty page store and a fresh client per sample, timing the
   *       first lookup (listing, footer, indexes and pages all come from S3).</li>
   * </ul>
   * DuckDB is skipped (its S3 reader is the httpfs extension, which DuckDB downloads on first use)
   * and so is Redis (a copy of the rows, which S3 latency does not touch: see a local run).
   */
  private void measureOnS3(Map<Workload, BenchTable> tables) throws Exception {
    if (o.duckdb()) {
      note("DuckDB baseline skipped with --s3: DuckDB reads s3:// through its httpfs extension, which duckdb_jdbc "
          + "does not bundle and downloads from extensions.duckdb.org on first use; the harness stays offline");
    }
    if (o.redis()) {
      note("Redis baseline skipped with --s3: it serves a copy of the rows, which S3's latency does not touch; "
          + "compare with it in a local run");
    }
    BenchTable feature = tables.values().iterator().next();
    Path caches = Files.createTempDirectory("needle-bench-cache-");
    try (LoopbackS3Table lake = LoopbackS3Table.serve(feature.files(), s3.requestLatency())) {
      out.printf("loopback S3 server on %s serving %s, %d ms before the first byte of every request%n",
          lake.endpoint(), lake.uri(), s3.requestLatency().toMillis());
      WorkerCpu cpu = WorkerCpu.beforeStart();
      try (Worker worker = lake.startWorker(Files.createDirectory(caches.resolve("warm")))) {
        cpu.afterStart();
        String address = "127.0.0.1:" + worker.address().getPort();
        out.println("worker in-process on " + address + (worker.usesEpoll() ? " (epoll)" : " (nio)")
            + ", page store in " + caches.resolve("warm"));
        try (NeedleClient client = NeedleClient.builder().workers(List.of(address)).requestTimeout(CLIENT_TIMEOUT).build()) {
          Table table = client.table(lake.uri(), feature.keyColumn());
          int coldStarts = 0;
          for (Scenario s : scenarios(tables)) {
            out.println("-- " + s.label);
            if (s.workload == Workload.COLD) {
              int round = coldStarts++;
              measureCold(s, "Needle S3 (cold)", lake.uri(),
                  sample -> lake.startWorker(Files.createDirectory(caches.resolve("cold-" + round + "-" + sample))),
                  "cold (S3): each sample starts a fresh worker with an empty page store and a fresh client and "
                      + "times its first lookup: listing, footers, indexes and pages all come from the S3 server.");
              continue;
            }
            long fetched = fillPageStore(s, table, worker);
            long gets0 = worker.s3GetRequests();
            measure(s, new NeedleTarget("Needle S3 (warm)", table, s.table.columns(), null), o.needlePlan(),
                o.warmupCalls(), cpu, address, lake.uri(), client);
            out.printf("   (page store filled first with %,d GETs; %,d GETs while measuring)%n", fetched,
                worker.s3GetRequests() - gets0);
            if (s.workload.keysPerCall() == 1 && o.parquetJava()) {
              LoadPlan slow = o.needlePlan().capCalls(o.baselineCalls()).capDuration(o.baselineDuration());
              for (ParquetJavaTarget.Mode mode : List.of(ParquetJavaTarget.Mode.FOOTER_CACHED,
                  ParquetJavaTarget.Mode.PER_LOOKUP)) {
                try (ParquetJavaTarget p = new ParquetJavaTarget(mode, "parquet-java S3", lake.parquetFiles(),
                    s.table.keyColumn(), s.table.columns(), Long.MAX_VALUE)) {
                  long pj0 = lake.parquetJavaGets();
                  measure(s, p, slow, SLOW_WARMUP_CALLS, null, null);
                  long calls = SLOW_WARMUP_CALLS + results.get(results.size() - 1).stats().lookups();
                  out.printf("   (%.1f GETs per lookup)%n", (lake.parquetJavaGets() - pj0) / (double) calls);
                }
              }
            }
          }
        }
      }
      note("S3: the table is served by a loopback S3-protocol server that waits " + s3.requestLatency().toMillis()
          + " ms before the first byte of every request; parquet-java reads it with ranged GETs of at least 64 KiB "
          + "(S3A's random-read policy), Needle through the worker's page store.");
    } finally {
      deleteRecursively(caches);
    }
  }

  /**
   * Looks up, in batches of 100, every key that {@link #measure} will ask Needle in {@code s}
   * (warm-up, measured calls and the wire pass all start at the scenario's first call), so the
   * warm figure is of pages in the page store, not of S3; returns the worker's GETs meanwhile.
   */
  private long fillPageStore(Scenario s, Table table, Worker worker) {
    long gets0 = worker.s3GetRequests();
    long calls = Math.min(s.calls.size(), Math.max(o.needlePlan().maxCalls(), Math.max(o.warmupCalls(),
        WIRE_PASS_CALLS)));
    List<Object> batch = new ArrayList<>(100);
    for (int i = 0; i < calls; i++) {
      for (Object k : s.calls.keys()[i]) {
        batch.add(k);
        if (batch.size() == 100) {
          table.lookupAll(batch, s.table.columns());
          batch.clear();
        }
      }
    }
    if (!batch.isEmpty()) {
      table.lookupAll(batch, s.table.columns());
    }
    return worker.s3GetRequests() - gets0;
  }

  private record Scenario(String label, Workload workload, KeyDistribution distribution, BenchTable table,
      KeyCalls calls) {}

  private List<Scenario> scenarios(Map<Workload, BenchTable> tables) {
    List<Scenario> list = new ArrayList<>();
    long seed = o.seed();
    for (Workload w : o.workloads()) {
      BenchTable t = tables.get(w);
      if (w.keysPerCall() > t.keyCount()) {
        throw new IllegalArgumentException(w.label() + " asks " + w.keysPerCall() + " distinct keys per call; the "
            + t.name() + " has " + t.keyCount());
      }
      List<KeyDistribution> ds = w.keysPerCall() > 1 || w == Workload.COLD
          ? o.distributions().subList(0, 1) : o.distributions();
      for (KeyDistribution d : ds) {
        int calls = w.keysPerCall() > 1 ? DISTINCT_BATCH_KEYS / w.keysPerCall()
            : (int) Math.min(DISTINCT_SINGLE_CALLS, Math.max(o.needlePlan().maxCalls(), o.coldSamples()));
        Object[][] keys = KeyPlan.draw(t.keyCount(), calls, w.keysPerCall(), d, seed++,
            w.keysPresent() ? t::presentKey : t::absentKey);
        list.add(new Scenario(w.label() + "/" + d.label(), w, d, t, expectedRows(t, w, keys)));
      }
    }
    return list;
  }

  /** What the table holds for each call's keys; a present workload with an absent key is a bug here. */
  private static KeyCalls expectedRows(BenchTable table, Workload w, Object[][] keys) {
    int[] expected = new int[keys.length];
    for (int c = 0; c < keys.length; c++) {
      for (Object key : keys[c]) {
        int rows = table.rowsOf(key);
        if ((rows > 0) != w.keysPresent()) {
          throw new IllegalStateException(w.label() + " drew key " + key + ", which has " + rows + " rows in the "
              + table.name());
        }
        expected[c] += rows;
      }
    }
    return new KeyCalls(keys, expected);
  }

  private void note(String text) {
    if (!notes.contains(text)) {
      notes.add(text);
      out.println("note: " + text);
    }
  }

  private static long sizeOf(List<Path> files) throws IOException {
    long n = 0;
    for (Path p : files) {
      n += Files.size(p);
    }
    return n;
  }

  private static void deleteRecursively(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
