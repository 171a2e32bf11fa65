package io.needle.bench;

import io.needle.bench.baseline.NeedleTarget;
import io.needle.bench.baseline.ParquetJavaTarget;
import io.needle.bench.harness.Histograms;
import io.needle.bench.harness.LatencyStats;
import io.needle.bench.harness.LoadPlan;
import io.needle.bench.harness.SystemResult;
import io.needle.bench.harness.WorkerCpu;
import io.needle.bench.harness.Workload;
import io.needle.bench.s3.LoopbackS3Table;
import io.needle.client.NeedleClient;
import io.needle.client.Table;
import io.needle.bench.harness.Settled;
import io.needle.worker.KeyIndexStats;
import io.needle.worker.RepagingStats;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import io.needle.bench.harness.Directories;

/**
 * The measurements that start workers of their own: cold starts (a fresh worker and client per
 * sample, timing the first lookup), the first touch of a user's table from a loopback S3 server,
 * and the {@code --s3} run (the table on a loopback S3 server, Needle's page store warm and cold
 * beside parquet-java's ranged GETs).
 */
final class ColdStarts {
  /** A first touch reads footers, indexes and pages from the source: measured, however long it takes. */
  private static final Duration FIRST_TOUCH_TIMEOUT = Duration.ofMinutes(2);

  private final BenchOptions o;
  private final S3Options s3; // null: the tables are read from local files
  private final PrintStream out;
  private final RunRecord record;
  private final Measurement measurement;

  ColdStarts(BenchOptions o, S3Options s3, PrintStream out, RunRecord record, Measurement measurement) {
    this.o = o;
    this.s3 = s3;
    this.out = out;
    this.record = record;
    this.measurement = measurement;
  }

  /** First lookup on a fresh worker and client, {@code coldSamples} times. */
  void measureCold(Scenario s, List<Path> roots) throws Exception {
    if (o.worker() != null) {
      record.note("cold workload skipped: it restarts the worker, which needs the in-process worker");
      return;
    }
    measureCold(s, "Needle (cold)", BenchTables.uri(s.table()), sample -> Worker.start(WorkerConfig.defaults("127.0.0.1", 0, roots)),
        "cold: each sample starts a fresh worker and client and times its first lookup (describe, connect, "
            + "footer and index loads); the OS page cache stays warm. Throughput there is 1 / mean latency.");
  }

  /**
   * First touch of the user's table: per sample, its files on a fresh loopback S3 server (no
   * injected latency) and a fresh worker with an empty page store; the first lookup's time, and
   * the requests and object bytes the worker read from the source to answer it.
   */
  void measureFirstTouchFromS3(Scenario s) throws Exception {
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
        try (LoopbackS3Table lake = LoopbackS3Table.serve(s.table().files(), Duration.ZERO);
            Worker w = lake.startWorker(Files.createDirectory(caches.resolve("sample-" + i)));
            NeedleClient c = NeedleClient.builder().workers(List.of("127.0.0.1:" + w.address().getPort()))
                .requestTimeout(FIRST_TOUCH_TIMEOUT).build()) {
          NeedleTarget t = new NeedleTarget("Needle S3 (first touch)", c.table(lake.uri(), s.table().keyColumn()),
              s.table().columns(), null);
          int call = i % s.calls().size();
          long gets0 = w.s3GetRequests();
          long bytes0 = lake.serverObjectBytes();
          long begin = System.nanoTime();
          int found = t.lookup(s.calls().keys()[call]);
          long end = System.nanoTime();
          if (found != s.calls().expectedRows()[call]) {
            throw new IllegalStateException("first lookup from S3 of key " + s.calls().keys()[call][0] + " found " + found
                + " rows");
          }
          measured += end - begin;
          gets += w.s3GetRequests() - gets0;
          bytes += lake.serverObjectBytes() - bytes0;
          Histograms.record(h, end - begin);
          Measurement.settle(w, t, s, measurement.settleCalls());
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
      Directories.deleteTree(caches);
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
    record.add(new SystemResult("Needle S3 (first touch)", s.label(), st, h, Double.NaN, Double.NaN, null, getsPerCall,
        bytesPerCall, settled));
    record.note("first touch: each sample serves the table from a fresh loopback S3 server (no injected latency) to a fresh "
        + "worker with an empty page store and times the first lookup; the GETs and object bytes are what the worker "
        + "read from the source to answer it (listing not counted). Then lookups of the scenario's keys go on until "
        + "the worker has no key index to build and no chunk to re-page: \"settled\" is the time from the first "
        + "lookup until then, and what the worker read and stored meanwhile");
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
              .requestTimeout(Measurement.CLIENT_TIMEOUT).build()) {
        NeedleTarget t = new NeedleTarget(system, c.table(tableUri, s.table().keyColumn()), s.table().columns(), null);
        int call = i % s.calls().size();
        Object[] key = s.calls().keys()[call];
        long begin = System.nanoTime();
        int found = t.lookup(key);
        long end = System.nanoTime();
        measured += end - begin;
        if (found != s.calls().expectedRows()[call]) {
          throw new IllegalStateException("cold lookup of key " + key[0] + " found " + found + " rows");
        }
        Histograms.record(h, end - begin);
      }
    }
    LatencyStats st = LatencyStats.of(h, Math.max(1, measured));
    out.printf("   %-34s %,8d calls  p50 %,10.1f µs  p99 %,10.1f µs  (first lookup after start; %.1f s)%n",
        system, st.lookups(), st.p50Micros(), st.p99Micros(), (System.nanoTime() - t0) / 1e9);
    record.add(new SystemResult(system, s.label(), st, h, Double.NaN, Double.NaN));
    record.note(explanation);
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
  void measureOnS3(Map<Workload, BenchTable> tables) throws Exception {
    if (o.duckdb()) {
      record.note("DuckDB baseline skipped with --s3: DuckDB reads s3:// through its httpfs extension, which duckdb_jdbc "
          + "does not bundle and downloads from extensions.duckdb.org on first use; the harness stays offline");
    }
    if (o.redis()) {
      record.note("Redis baseline skipped with --s3: it serves a copy of the rows, which S3's latency does not touch; "
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
        try (NeedleClient client = NeedleClient.builder().workers(List.of(address)).requestTimeout(Measurement.CLIENT_TIMEOUT).build()) {
          Table table = client.table(lake.uri(), feature.keyColumn());
          int coldStarts = 0;
          for (Scenario s : Scenario.all(o, tables)) {
            out.println("-- " + s.label());
            if (s.workload() == Workload.COLD) {
              int round = coldStarts++;
              measureCold(s, "Needle S3 (cold)", lake.uri(),
                  sample -> lake.startWorker(Files.createDirectory(caches.resolve("cold-" + round + "-" + sample))),
                  "cold (S3): each sample starts a fresh worker with an empty page store and a fresh client and "
                      + "times its first lookup: listing, footers, indexes and pages all come from the S3 server.");
              continue;
            }
            long fetched = fillPageStore(s, table, worker);
            long gets0 = worker.s3GetRequests();
            measurement.measure(s, new NeedleTarget("Needle S3 (warm)", table, s.table().columns(), null), o.needlePlan(),
                o.warmupCalls(), cpu, address, lake.uri(), client);
            out.printf("   (page store filled first with %,d GETs; %,d GETs while measuring)%n", fetched,
                worker.s3GetRequests() - gets0);
            if (s.workload().keysPerCall() == 1 && o.parquetJava()) {
              LoadPlan slow = o.needlePlan().capCalls(o.baselineCalls()).capDuration(o.baselineDuration());
              for (ParquetJavaTarget.Mode mode : List.of(ParquetJavaTarget.Mode.FOOTER_CACHED,
                  ParquetJavaTarget.Mode.PER_LOOKUP)) {
                try (ParquetJavaTarget p = new ParquetJavaTarget(mode, "parquet-java S3", lake.parquetFiles(),
                    s.table().keyColumn(), s.table().columns(), Long.MAX_VALUE)) {
                  long pj0 = lake.parquetJavaGets();
                  measurement.measure(s, p, slow, Measurement.SLOW_WARMUP_CALLS, null, null);
                  long calls = Measurement.SLOW_WARMUP_CALLS + record.last().stats().lookups();
                  out.printf("   (%.1f GETs per lookup)%n", (lake.parquetJavaGets() - pj0) / (double) calls);
                }
              }
            }
          }
        }
      }
      record.note("S3: the table is served by a loopback S3-protocol server that waits " + s3.requestLatency().toMillis()
          + " ms before the first byte of every request; parquet-java reads it with ranged GETs of at least 64 KiB "
          + "(S3A's random-read policy), Needle through the worker's page store.");
    } finally {
      Directories.deleteTree(caches);
    }
  }

  /**
   * Looks up, in batches of 100, every key that {@link #measure} will ask Needle in {@code s}
   * (warm-up, measured calls and the wire pass all start at the scenario's first call), so the
   * warm figure is of pages in the page store, not of S3; returns the worker's GETs meanwhile.
   */
  private long fillPageStore(Scenario s, Table table, Worker worker) {
    long gets0 = worker.s3GetRequests();
    long calls = Math.min(s.calls().size(), Math.max(o.needlePlan().maxCalls(), Math.max(o.warmupCalls(),
        Measurement.WIRE_PASS_CALLS)));
    List<Object> batch = new ArrayList<>(100);
    for (int i = 0; i < calls; i++) {
      for (Object k : s.calls().keys()[i]) {
        batch.add(k);
        if (batch.size() == 100) {
          table.lookupAll(batch, s.table().columns());
          batch.clear();
        }
      }
    }
    if (!batch.isEmpty()) {
      table.lookupAll(batch, s.table().columns());
    }
    return worker.s3GetRequests() - gets0;
  }
}
