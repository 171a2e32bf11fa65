package io.needle.bench;

import static java.util.Objects.requireNonNull;

import io.needle.bench.baseline.NeedleTarget;
import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.bench.harness.Directories;
import io.needle.bench.harness.KeyCalls;
import io.needle.bench.harness.KeyDistribution;
import io.needle.bench.harness.KeyPlan;
import io.needle.bench.harness.LatencyStats;
import io.needle.bench.harness.LoadDriver;
import io.needle.bench.harness.LoadPlan;
import io.needle.bench.harness.Machine;
import io.needle.bench.harness.RunResult;
import io.needle.bench.harness.Workload;
import io.needle.client.NeedleClient;
import io.needle.client.Table;
import io.needle.pagestore.PageStoreConfig;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * {@code needle bench --scale 1,100,1000,10000}: the same rows split into more and more files,
 * each table served by a fresh in-process worker with a page store, and per table: the worker's
 * cold start (start, then the first lookup, whose Describe reads every footer), one-key p50 and
 * p99 once every file has been touched, and the process heap that the worker's state takes.
 *
 * <p>Heap is the JVM's used heap after a full GC (worker, client and harness share the process):
 * <ul>
 *   <li>per file: (heap once every file was looked up − heap before the worker started) / files:
 *       the manifest, the open descriptor and map, the footer, offset indexes, key column state
 *       and the client's view of the file;
 *   <li>per page: after that, more distinct keys are looked up to fill the page store; (heap
 *       after − heap before) / pages the store gained. The page store keeps its index off-heap,
 *       so this is what other per-page state on the heap costs.
 * </ul>
 * Tables go to {@code tableDir/files-N} and are kept for the next run (a marker names the rows).
 */
public final class ScaleBench {
  private static final long PAGE_STORE_BYTES = 2L << 30;
  private static final int FILL_KEYS = 20_000;

  /** What the scale run measures, besides the table's shape. */
  public record Options(long rows, List<Integer> fileCounts, Path tableDir, LoadPlan plan, int warmupCalls, long seed) {
    public Options {
      requireNonNull(tableDir, "tableDir is null");
      requireNonNull(plan, "plan is null");
      fileCounts = List.copyOf(fileCounts);
      for (int f : fileCounts) {
        if (f < 1 || f > rows) {
          throw new IllegalArgumentException("file counts must be in 1.." + rows + " (the rows): " + f);
        }
      }
    }
  }

  /** One table's figures. */
  record Line(int files, long tableBytes, double workerStartMillis, double firstLookupMillis, double touchAllMillis,
      LatencyStats stats, long heapBytes, long metadataBytesPerFile, long pagesFilled, double heapPerPageBytes) {}

  private ScaleBench() {}

  /** Writes (or reuses) and measures every file count; returns the summary, also printed. */
  public static String run(Options o, String command, PrintStream out) throws Exception {
    List<Line> lines = new ArrayList<>();
    for (int files : o.fileCounts()) {
      Path dir = o.tableDir().resolve("files-" + files);
      FeatureTable table = new FeatureTable(GenOptions.defaults(o.rows(), files));
      ensureTable(table, dir, out);
      out.printf("%n=== %,d rows in %,d files (%s)%n", o.rows(), files, dir);
      lines.add(measure(o, table, dir, out));
    }
    String summary = summary(o, command, lines);
    out.println();
    out.print(summary);
    return summary;
  }

  private static Line measure(Options o, FeatureTable gen, Path dir, PrintStream out) throws Exception {
    int files = gen.options().files();
    long heapBefore = usedHeapAfterGc();
    Path cache = Files.createTempDirectory("needle-scale-cache-");
    long t0 = System.nanoTime();
    WorkerConfig config = WorkerConfig.defaults("127.0.0.1", 0, List.of(dir))
        .withOpenFiles(Math.max(4096, files), WorkerConfig.Transport.AUTO);
    try (Worker worker = Worker.start(config, PageStoreConfig.of(cache, PAGE_STORE_BYTES));
        NeedleClient client = NeedleClient.builder().workers(List.of("127.0.0.1:" + worker.address().getPort()))
            .requestTimeout(Duration.ofMinutes(5)).build()) {
      long started = System.nanoTime();
      Table table = client.table(dir.toUri().toString(), FeatureTable.KEY_COLUMN);
      NeedleTarget target = new NeedleTarget("Needle", table, Workload.FEATURE_COLUMNS, null);
      expectOne(target, gen.keyAt(gen.firstRow(files / 2)));
      long firstAnswered = System.nanoTime();
      for (int f = 0; f < files; f++) { // every file's footer, indexes and key state, once
        expectOne(target, gen.keyAt(gen.firstRow(f)));
      }
      long touched = System.nanoTime();
      long heapAllFiles = usedHeapAfterGc();
      long metadataBytes = worker.metadataStats().weightedBytes();
      out.printf("worker start %.1f ms, first lookup %.1f ms, one lookup per file %.1f s; heap %+,d B%n",
          (started - t0) / 1e6, (firstAnswered - started) / 1e6, (touched - firstAnswered) / 1e9,
          heapAllFiles - heapBefore);

      KeyCalls calls = calls(gen, (int) Math.min(100_000, Math.max(o.plan().maxCalls(), o.warmupCalls())), o.seed());
      LoadDriver.run(target, calls, new LoadPlan(1, o.warmupCalls(), Duration.ofSeconds(60), 0),
          LoadDriver.Progress.NONE);
      RunResult r = LoadDriver.run(target, calls, o.plan(), LoadDriver.Progress.NONE);
      out.printf("one key, 12 columns: p50 %.1f µs, p99 %.1f µs over %,d calls%n", r.stats().p50Micros(),
          r.stats().p99Micros(), r.stats().lookups());

      KeyCalls fill = calls(gen, FILL_KEYS, o.seed() + 1); // drawn first: its 20,000 keys are on the heap too
      long pages0 = worker.pageStoreStats().cachedPages();
      long heapPages0 = usedHeapAfterGc();
      LoadDriver.run(target, fill, new LoadPlan(1, FILL_KEYS, Duration.ofMinutes(5), 0), LoadDriver.Progress.NONE);
      long pagesFilled = worker.pageStoreStats().cachedPages() - pages0;
      long heapPages1 = usedHeapAfterGc();
      double perPage = pagesFilled <= 0 ? Double.NaN : (heapPages1 - heapPages0) / (double) pagesFilled;
      out.printf("page store: %,d more pages cached by %,d more lookups, heap %+,d B (%.1f B per page)%n",
          pagesFilled, FILL_KEYS, heapPages1 - heapPages0, perPage);
      return new Line(files, sizeOf(dir), (started - t0) / 1e6, (firstAnswered - started) / 1e6,
          (touched - firstAnswered) / 1e9 * 1e3, r.stats(), heapAllFiles - heapBefore,
          metadataBytes / files, pagesFilled, perPage);
    } finally {
      Directories.deleteTree(cache);
    }
  }

  private static KeyCalls calls(FeatureTable gen, int count, long seed) {
    Object[][] keys = KeyPlan.draw(gen.options().rows(), count, 1, KeyDistribution.UNIFORM, seed, gen::keyAt);
    int[] expected = new int[keys.length];
    Arrays.fill(expected, 1);
    return new KeyCalls(keys, expected);
  }

  private static void expectOne(NeedleTarget target, long key) {
    int found = target.lookup(new Object[] {key});
    if (found != 1) {
      throw new IllegalStateException("key " + key + " found " + found + " rows, expected 1");
    }
  }

  /** Used heap after a full collection, settled: what live objects take. */
  static long usedHeapAfterGc() throws InterruptedException {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
      used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return used;
  }

  private static String summary(Options o, String command, List<Line> lines) {
    Machine m = Machine.current();
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "machine: %d cores, %.1f GiB, %s, %s%n", m.cores(),
        m.memoryBytes() / (double) (1L << 30), m.jdk(), m.cpu()));
    sb.append("command: ").append(command).append('\n');
    sb.append(String.format(Locale.ROOT, "%,d rows; one key, 12 columns, uniform keys; in-process worker with a page "
        + "store%n", o.rows()));
    sb.append(String.format(Locale.ROOT, "%8s %9s %9s %9s %9s %9s %9s %10s %9s %11s %11s %11s%n", "files", "MB",
        "start ms", "1st ms", "touch s", "p50 µs", "p99 µs", "p50/1 file", "heap MB", "heap B/file",
        "meta B/file", "heap B/page"));
    Line one = lines.stream().filter(l -> l.files() == 1).findFirst().orElse(null);
    for (Line l : lines) {
      String p50Ratio = one == null ? "n/a" : String.format(Locale.ROOT, "%.2fx", l.stats().p50Micros()
          / one.stats().p50Micros());
      String perFile = one == null || l.files() == one.files() ? "-" : String.format(Locale.ROOT, "%,d",
          (l.heapBytes() - one.heapBytes()) / (l.files() - 1));
      sb.append(String.format(Locale.ROOT, "%8d %9.1f %9.1f %9.1f %9.2f %9.1f %9.1f %10s %9.1f %11s %,11d %11.1f%n",
          l.files(), l.tableBytes() / 1e6, l.workerStartMillis(), l.firstLookupMillis(), l.touchAllMillis() / 1e3,
          l.stats().p50Micros(), l.stats().p99Micros(), p50Ratio, l.heapBytes() / 1e6, perFile,
          l.metadataBytesPerFile(), l.heapPerPageBytes()));
    }
    sb.append("start: Worker.start; 1st: the first lookup of a fresh client (its Describe reads every footer); touch: "
        + "one lookup per file (each file's indexes and key state); heap MB: process heap after touching every file "
        + "minus before the worker started; heap B/file: its growth per file beyond the 1-file table; meta B/file: "
        + "the metadata cache's own estimate; heap B/page: heap growth per page the page store gained over "
        + FILL_KEYS + " more lookups\n");
    return sb.toString();
  }

  private static void ensureTable(FeatureTable table, Path dir, PrintStream out) throws IOException {
    Path marker = dir.resolve(".needle-scale-" + table.options().rows() + "-rows");
    if (Files.exists(marker)) {
      out.printf("reusing %s%n", dir);
      return;
    }
    long t0 = System.nanoTime();
    out.printf("generating %,d rows in %,d files in %s ...%n", table.options().rows(), table.options().files(), dir);
    table.write(dir);
    Files.writeString(marker, "written by needle bench --scale\n");
    out.printf("generated in %.1f s%n", (System.nanoTime() - t0) / 1e9);
  }

  private static long sizeOf(Path dir) throws IOException {
    try (Stream<Path> paths = Files.list(dir)) {
      long n = 0;
      for (Path p : paths.filter(p -> p.toString().endsWith(".parquet")).toList()) {
        n += Files.size(p);
      }
      return n;
    }
  }

}
