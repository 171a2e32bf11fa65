package io.needle.benchcli;

import io.needle.bench.BenchOptions;
import io.needle.cli.TableUris;
import io.needle.bench.BenchRunner;
import io.needle.bench.LayoutBench;
import io.needle.bench.S3Options;
import io.needle.bench.ScaleBench;
import io.needle.bench.UserTableSpec;
import io.needle.bench.harness.Directories;
import io.needle.bench.harness.KeyDistribution;
import io.needle.bench.harness.LoadPlan;
import io.needle.bench.harness.Workload;
import io.needle.bench.gen.Layout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Measure Needle beside parquet-java, DuckDB and Redis on the same files and keys (needle gen "
        + "tables, or your own with --table); prints p50..max, throughput, wire bytes and worker CPU per lookup, "
        + "writes results.json and plots.")
final class BenchCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--rows", defaultValue = "1000000", description = "Rows of each generated table. Default: ${DEFAULT-VALUE}")
  long rows;

  @Option(names = "--files", defaultValue = "4", description = "Files of each generated table. Default: ${DEFAULT-VALUE}")
  int files;

  @Option(names = "--table-dir", description = "Keep the generated tables here and reuse them on the next run (default: a temporary directory).")
  Path tableDir;

  @Option(names = "--worker",
      description = "HOST:PORT of a running worker serving --table-dir or --table (default: start one in-process).")
  String worker;

  @Option(names = "--table", description = "Measure your own table instead of generated ones: a Parquet file or a "
      + "directory of them (path or file:// URI). Needs --key-column; runs feature, batch, absent and cold on it.")
  String table;

  @Option(names = "--key-column", description = "With --table: the key column (top-level int32, int64 or string). "
      + "Present keys are sampled from it; absent keys are sampled keys plus one (integers) or with a suffix "
      + "(strings), checked absent.")
  String keyColumn;

  @Option(names = "--columns", split = ",",
      description = "With --table: the columns every lookup reads (default: all top-level columns; the key column "
          + "is always read).")
  List<String> columns;

  @Option(names = "--workloads", split = ",", defaultValue = "feature,batch,absent,cold",
      description = "Any of feature (one key, 12 columns), batch (100 keys), batch1000 (1,000 keys), absent (a key "
          + "the table lacks), "
          + "cold (first lookup on a fresh worker), rag (one string key of the RAG table: title, 1-4 KiB text, "
          + "embedding; generated in <table-dir>/_rag). Default: ${DEFAULT-VALUE}")
  List<String> workloads;

  @Option(names = "--keys", split = ",", defaultValue = "uniform,zipf",
      description = "Key distributions: uniform, zipf (Zipf 0.99). Default: ${DEFAULT-VALUE}")
  List<String> keys;

  @Option(names = "--callers", defaultValue = "1", description = "Concurrent callers (closed loop). Default: ${DEFAULT-VALUE}")
  int callers;

  @Option(names = "--lookups", defaultValue = "20000", description = "Measured calls per system and scenario. Default: ${DEFAULT-VALUE}")
  long lookups;

  @Option(names = "--duration", defaultValue = "20s", description = "At most this long per system and scenario. Default: ${DEFAULT-VALUE}")
  Duration duration;

  @Option(names = "--rate", defaultValue = "0",
      description = "Open loop at this many calls/s (coordinated omission corrected); 0 = closed loop. Default: ${DEFAULT-VALUE}")
  double rate;

  @Option(names = "--warmup", defaultValue = "5000", description = "Unmeasured calls first. Default: ${DEFAULT-VALUE}")
  int warmup;

  @Option(names = "--baseline-lookups", defaultValue = "30",
      description = "Measured calls for the slow baselines (parquet-java, DuckDB). Default: ${DEFAULT-VALUE}")
  int baselineLookups;

  @Option(names = "--baseline-duration", defaultValue = "20s", description = "At most this long per slow baseline. Default: ${DEFAULT-VALUE}")
  Duration baselineDuration;

  @Option(names = "--cold-samples", defaultValue = "10", description = "Fresh worker+client starts for the cold workload. Default: ${DEFAULT-VALUE}")
  int coldSamples;

  @Option(names = "--no-redis", description = "Skip the Redis baseline.")
  boolean noRedis;

  @Option(names = "--no-duckdb", description = "Skip the DuckDB baseline.")
  boolean noDuckdb;

  @Option(names = "--no-parquet-java", description = "Skip the parquet-java baselines.")
  boolean noParquetJava;

  @Option(names = "--s3", description = "Serve the table from an S3-protocol server on loopback and measure Needle "
      + "(page store warm, and cold) beside parquet-java reading the objects with ranged GETs.")
  boolean s3;

  @Option(names = "--s3-latency", defaultValue = "20ms",
      description = "With --s3: wait this long before the first byte of every S3 request (S3 Standard's order), "
          + "0ms for none. Default: ${DEFAULT-VALUE}")
  Duration s3Latency;

  @Option(names = "--compare-gen-layout", paramLabel = "DIR",
      description = "With --table: rewrite the table's rows once into DIR in needle gen's layout (sorted by the key, "
          + "8 KiB pages, page index, bloom filter; kept for the next run) and measure Needle on both.")
  Path compareGenLayout;

  @Option(names = "--page-store", negatable = true,
      description = "Run the in-process worker with a page store in a temporary directory, as serve --cache-dir "
          + "does. Default: off, on with --layouts.")
  Boolean pageStore;

  @Option(names = "--layouts", split = ",", paramLabel = "NAME",
      description = "Write the same rows in each layout (all, or names as in needle gen --layout) into --table-dir "
          + "(default: a temporary directory), run the --table bench with --compare-gen-layout on each and print one "
          + "summary line per layout. Unless given: --rows 10000, --workloads feature,absent,cold, --keys uniform, "
          + "--lookups 1000, --duration 3s, --warmup 100, --baseline-lookups 10, --cold-samples 2, --page-store, no "
          + "Redis or parquet-java.")
  List<String> layouts;

  @Option(names = "--tls", description = "Measure what TLS costs a warm lookup instead: the same lookups over "
      + "plaintext, TLS, TLS with a token, and TLS from the JDK's provider, blocking and event-loop clients, 3 rounds "
      + "taking turns; prints each path's median and p99 and its ratio to plaintext, and new-connection handshake "
      + "times. Uses --rows (default here 200000) and --lookups (default here 5000) per path and round.")
  boolean tls;
  @Option(names = "--scale", split = ",", paramLabel = "FILES",
      description = "Instead of the workloads: the same --rows (default 1,000,000) split into each number of files "
          + "(e.g. 1,100,1000,10000), each served by a fresh in-process worker with a page store: cold start, one-key "
          + "p50/p99 and heap per file and per cached page. Tables are kept in --table-dir/files-N.")
  List<Integer> scale;

  @Option(names = "--out", defaultValue = "bench-results", description = "Where results.json and the plots go. Default: ${DEFAULT-VALUE}")
  Path out;

  @Option(names = "--seed", defaultValue = "1", description = "Seed of the key draws. Default: ${DEFAULT-VALUE}")
  long seed;

  @Override
  public Integer call() throws Exception {
    if (layouts != null) {
      return runLayouts();
    }
    if (tls) {
      rejectWith("--tls", "it starts its own workers on a generated table", "--table", "--worker", "--s3", "--layouts",
          "--callers", "--rate");
      long tlsRows = matched("--rows") ? rows : 200_000;
      int tlsLookups = matched("--lookups") ? (int) Math.min(lookups, 10_000_000) : 5_000;
      System.out.printf("%s: %d rows, %d lookups per path x 3 rounds%n", commandLine(), tlsRows, tlsLookups);
      io.needle.bench.harness.TlsCost.run(tlsRows, tlsLookups, 3).print(System.out);
      return 0;
    }
    if (scale != null) {
      return runScale();
    }
    if (s3 && worker != null) {
      throw new IllegalArgumentException("--s3 starts its own worker on the S3 table: drop --worker");
    }
    if (worker != null && tableDir == null && table == null) {
      throw new IllegalArgumentException("--worker needs --table-dir or --table: the remote worker must serve the "
          + "same table");
    }
    BenchOptions options = new BenchOptions(rows, files, tableDir, worker,
        workloads.stream().map(w -> parse(Workload.class, w, "--workloads")).toList(),
        keys.stream().map(k -> parse(KeyDistribution.class, k, "--keys")).toList(),
        new LoadPlan(callers, lookups, duration, rate), warmup, baselineLookups, baselineDuration,
        coldSamples, !noRedis, !noDuckdb, !noParquetJava, out, seed, userTable(), compareGenLayout,
        pageStore != null && pageStore);
    BenchRunner.run(options, s3 ? new S3Options(s3Latency) : null, commandLine(), System.out);
    return 0;
  }

  /** The layout bench: the layout defaults for every option the command line leaves out. */
  private int runLayouts() throws Exception {
    rejectWith("--layouts", "each layout is its own table", "--table", "--key-column", "--columns",
        "--compare-gen-layout", "--s3", "--worker");
    List<Layout> chosen = layouts.size() == 1 && layouts.get(0).equalsIgnoreCase("all")
        ? List.of(Layout.values()) : layouts.stream().map(Layout::of).toList();
    long layoutRows = matched("--rows") ? rows : 10_000;
    List<Workload> ws = (matched("--workloads") ? workloads : List.of("feature", "absent", "cold")).stream()
        .map(w -> parse(Workload.class, w, "--workloads")).toList();
    List<KeyDistribution> ds = (matched("--keys") ? keys : List.of("uniform")).stream()
        .map(k -> parse(KeyDistribution.class, k, "--keys")).toList();
    LoadPlan plan = new LoadPlan(callers, matched("--lookups") ? lookups : 1_000,
        matched("--duration") ? duration : Duration.ofSeconds(3), rate);
    int warmupCalls = matched("--warmup") ? warmup : 100;
    int baselineCalls = matched("--baseline-lookups") ? baselineLookups : 10;
    int cold = matched("--cold-samples") ? coldSamples : 2;
    boolean redis = matched("--no-redis") ? !noRedis : false;
    boolean parquetJava = matched("--no-parquet-java") ? !noParquetJava : false;
    Path dir = tableDir != null ? tableDir : Files.createTempDirectory("needle-bench-layouts-");
    try {
      LayoutBench.run(chosen, layoutRows, dir, out, (table, genDir, outDir) -> new BenchOptions(layoutRows, 1, null,
              null, ws, ds, plan, warmupCalls, baselineCalls, baselineDuration, cold, redis, !noDuckdb, parquetJava,
              outDir, seed, table, genDir, pageStore == null || pageStore),
          commandLine(), System.out);
    } finally {
      if (tableDir == null) {
        Directories.deleteTree(dir);
      }
    }
    return 0;
  }

  /** The scale bench: one generated table per file count, the same rows in each. */
  private int runScale() throws Exception {
    rejectWith("--scale", "it measures one-key lookups of generated tables", "--table", "--s3", "--worker", "--layouts",
        "--workloads", "--keys");
    Path dir = tableDir != null ? tableDir : Files.createTempDirectory("needle-bench-scale-");
    LoadPlan plan = new LoadPlan(callers, lookups, duration, rate);
    try {
      ScaleBench.run(new ScaleBench.Options(matched("--rows") ? rows : 1_000_000, scale, dir, plan,
              matched("--warmup") ? warmup : 2_000, seed),
          commandLine(), System.out);
    } finally {
      if (tableDir == null) {
        Directories.deleteTree(dir);
      }
    }
    return 0;
  }

  private boolean matched(String option) {
    return spec.commandLine().getParseResult().hasMatchedOption(option);
  }

  /** Fails when any of {@code options} was given: they do not go with {@code mode}, {@code why}. */
  private void rejectWith(String mode, String why, String... options) {
    for (String option : options) {
      if (matched(option)) {
        throw new IllegalArgumentException(option + " does not go with " + mode + ": " + why);
      }
    }
  }

  /** The command line as given, for the reports' headers. */
  private String commandLine() {
    return "needle " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
  }

  /** The --table options as one spec, or null without --table; mistakes in them fail here. */
  private UserTableSpec userTable() {
    if (table == null) {
      if (keyColumn != null || columns != null || compareGenLayout != null) {
        throw new IllegalArgumentException("--key-column, --columns and --compare-gen-layout go with --table");
      }
      return null;
    }
    if (keyColumn == null) {
      throw new IllegalArgumentException("--table needs --key-column");
    }
    if (compareGenLayout != null && compareGenLayout.toAbsolutePath().normalize()
        .startsWith(TableUris.localRoot(table).toAbsolutePath().normalize())) {
      throw new IllegalArgumentException("--compare-gen-layout must be outside --table, or the rewrite would join "
          + "the table: " + compareGenLayout);
    }
    if (tableDir != null) {
      throw new IllegalArgumentException("--table-dir is where generated tables go; with --table nothing is "
          + "generated");
    }
    if (table.contains("://") && !table.startsWith("file:")) {
      throw new IllegalArgumentException("--table takes a local Parquet file or directory (a path or file:// URI), "
          + "which the parquet-java and DuckDB baselines read too: " + table);
    }
    return new UserTableSpec(TableUris.localRoot(table), keyColumn, columns == null ? List.of() : columns);
  }

  private static <E extends Enum<E>> E parse(Class<E> type, String text, String option) {
    try {
      return Enum.valueOf(type, text.trim().toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(option + ": unknown value '" + text + "'");
    }
  }
}
