package io.needle.bench;

import static java.util.Objects.requireNonNull;

import io.needle.bench.harness.KeyDistribution;
import io.needle.bench.harness.LoadPlan;
import io.needle.bench.harness.Workload;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Everything one {@code needle bench} run is configured with, validated once here.
 *
 * @param rows rows of each generated {@code needle gen} table
 * @param files files of each generated table
 * @param tableDir where the tables are written (and reused when it already holds tables of the
 *     same shape; the RAG table in its {@code _rag} subdirectory); null for a temporary directory
 *     deleted at the end
 * @param worker {@code host:port} of a running worker to target, or null to start one in-process
 * @param workloads what each call asks for
 * @param distributions how keys are drawn (each workload runs once per distribution; cold and
 *     batch runs use the first distribution only)
 * @param needlePlan callers, calls, duration and rate of every Needle run
 * @param warmupCalls unmeasured calls before each measured run
 * @param baselineCalls at most this many calls for the slow baselines (parquet-java, DuckDB)
 * @param baselineDuration at most this long per slow-baseline run
 * @param coldSamples fresh worker+client pairs measured for the cold workload
 * @param redis run the Redis baseline when redis-server is on the PATH
 * @param duckdb run the DuckDB baseline
 * @param parquetJava run the parquet-java baselines
 * @param outDir where results.json and the plots go
 * @param seed seed of the key draws (and of the key sample of a user's table)
 * @param userTable the user's table to measure instead of generated ones, or null; every workload
 *     but {@code rag} (which is the generated RAG table) then runs on it, reading its columns
 * @param genLayoutDir with {@code userTable}: where its rows are rewritten once in {@code needle
 *     gen}'s layout (and kept for the next run), so that every scenario measures Needle on both;
 *     null for no comparison
 * @param pageStore run the in-process worker with a page store (in a temporary directory, twice
 *     the tables' size and at least 256 MiB), as {@code needle serve --cache-dir} does, so that
 *     what a worker keeps in its store is measured too
 */
public record BenchOptions(
    long rows,
    int files,
    Path tableDir,
    String worker,
    List<Workload> workloads,
    List<KeyDistribution> distributions,
    LoadPlan needlePlan,
    int warmupCalls,
    int baselineCalls,
    Duration baselineDuration,
    int coldSamples,
    boolean redis,
    boolean duckdb,
    boolean parquetJava,
    Path outDir,
    long seed,
    UserTableSpec userTable,
    Path genLayoutDir,
    boolean pageStore) {

  public BenchOptions {
    if (rows < 100) {
      throw new IllegalArgumentException("rows must be >= 100 (a batch asks 100 distinct keys): " + rows);
    }
    if (files < 1 || files > rows) {
      throw new IllegalArgumentException("files must be in 1.." + rows + ": " + files);
    }
    workloads = List.copyOf(workloads);
    distributions = List.copyOf(distributions);
    if (workloads.isEmpty() || distributions.isEmpty()) {
      throw new IllegalArgumentException("at least one workload and one distribution are needed");
    }
    requireNonNull(needlePlan, "needlePlan is null");
    if (warmupCalls < 0 || baselineCalls < 1 || coldSamples < 1) {
      throw new IllegalArgumentException("warmupCalls >= 0, baselineCalls >= 1 and coldSamples >= 1 are needed: "
          + warmupCalls + ", " + baselineCalls + ", " + coldSamples);
    }
    requireNonNull(baselineDuration, "baselineDuration is null");
    requireNonNull(outDir, "outDir is null");
    if (pageStore && worker != null) {
      throw new IllegalArgumentException("the page store is the in-process worker's: it does not go with a worker "
          + "to target (" + worker + ")");
    }
    if (genLayoutDir != null && userTable == null) {
      throw new IllegalArgumentException("the gen-layout comparison rewrites a table of your own (--table): "
          + genLayoutDir);
    }
    if (userTable != null && workloads.contains(Workload.RAG)) {
      throw new IllegalArgumentException("the rag workload runs on the generated RAG table; on a table of "
          + "your own (--table) use feature, batch, absent or cold, which read --columns");
    }
  }

  /** A run without the gen-layout comparison. */
  public BenchOptions(long rows, int files, Path tableDir, String worker, List<Workload> workloads,
      List<KeyDistribution> distributions, LoadPlan needlePlan, int warmupCalls, int baselineCalls,
      Duration baselineDuration, int coldSamples, boolean redis, boolean duckdb, boolean parquetJava, Path outDir,
      long seed, UserTableSpec userTable) {
    this(rows, files, tableDir, worker, workloads, distributions, needlePlan, warmupCalls, baselineCalls,
        baselineDuration, coldSamples, redis, duckdb, parquetJava, outDir, seed, userTable, null, false);
  }

  /** A run on generated tables only. */
  public BenchOptions(long rows, int files, Path tableDir, String worker, List<Workload> workloads,
      List<KeyDistribution> distributions, LoadPlan needlePlan, int warmupCalls, int baselineCalls,
      Duration baselineDuration, int coldSamples, boolean redis, boolean duckdb, boolean parquetJava, Path outDir,
      long seed) {
    this(rows, files, tableDir, worker, workloads, distributions, needlePlan, warmupCalls, baselineCalls,
        baselineDuration, coldSamples, redis, duckdb, parquetJava, outDir, seed, null, null, false);
  }
}
