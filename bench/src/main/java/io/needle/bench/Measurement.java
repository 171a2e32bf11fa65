package io.needle.bench;

import io.needle.bench.baseline.NeedleTarget;
import io.needle.bench.harness.ByteCountingProxy;
import io.needle.bench.harness.LatencyStats;
import io.needle.bench.harness.LoadDriver;
import io.needle.bench.harness.LoadPlan;
import io.needle.bench.harness.LookupTarget;
import io.needle.bench.harness.ProgressBar;
import io.needle.bench.harness.RunResult;
import io.needle.bench.harness.SystemResult;
import io.needle.bench.harness.WorkerCpu;
import io.needle.client.LookupStages;
import io.needle.client.NeedleClient;
import io.needle.worker.KeyIndexStats;
import io.needle.worker.RepagingStats;
import io.needle.worker.Worker;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;

/**
 * How one system is measured in one scenario: warm-up, the measured run (latency histogram,
 * worker CPU, the client's stage clock), then a separate pass through a counting relay for the
 * bytes on the wire; and, before a warm figure, lookups until an in-process worker's background
 * work (key indexes, re-paging) has settled. Each result goes to the run's record.
 */
final class Measurement {
  static final int WIRE_PASS_CALLS = 300;
  /** The wire pass stops after this long or WIRE_PASS_CALLS calls, or the measured run's limits when lower. */
  private static final Duration WIRE_PASS_MAX_DURATION = Duration.ofSeconds(30);
  /** At most this many lookups between two checks that a worker's background work has settled. */
  private static final int SETTLE_CALLS = 2_000;
  /** Calls per target at most (in {@link #JIT_WARMUP_ROUNDS} alternating rounds) before a layout and its rewrite are measured. */
  private static final int JIT_WARMUP_CALLS = 4_000;
  private static final int JIT_WARMUP_ROUNDS = 4;
  /** A worker that still builds after this long is measured as it is (and the report says so). */
  private static final Duration SETTLE_LIMIT = Duration.ofMinutes(5);
  static final int SLOW_WARMUP_CALLS = 3;
  /**
   * The bench's clients wait this long for an answer: a first call that loads a big table's
   * metadata on a machine shared with other builds can take longer than the default deadline,
   * and the bench measures latency, it does not decide failures by it.
   */
  static final Duration CLIENT_TIMEOUT = Duration.ofMinutes(2);

  private final BenchOptions o;
  private final PrintStream out;
  private final RunRecord record;

  Measurement(BenchOptions o, PrintStream out, RunRecord record) {
    this.o = o;
    this.out = out;
    this.record = record;
  }

  void measure(Scenario s, LookupTarget target, LoadPlan plan, int warmupCalls, WorkerCpu cpu,
      String workerAddress) throws Exception {
    measure(s, target, plan, warmupCalls, cpu, workerAddress, BenchTables.uri(s.table()), null);
  }

  /** Bytes per call on a Needle connection, each way, frame prefixes included. */
  record Wire(double up, double down) {
    double total() {
      return up + down;
    }
  }

  /**
   * @param tableUri the table as the worker at {@code workerAddress} serves it (for the wire pass)
   * @param stagesOf the client whose stage clock times {@code target}'s calls, or null
   * @return the bytes per call on the connection to {@code workerAddress}, or null without one
   */
  Wire measure(Scenario s, LookupTarget target, LoadPlan plan, int warmupCalls, WorkerCpu cpu,
      String workerAddress, String tableUri, NeedleClient stagesOf) throws Exception {
    if (warmupCalls > 0) {
      LoadDriver.run(target, s.calls(), new LoadPlan(plan.callers(), warmupCalls, Duration.ofSeconds(60), 0),
          LoadDriver.Progress.NONE);
    }
    long cpu0 = cpu == null ? 0 : cpu.cpuNanos();
    LookupStages stages0 = stagesOf == null ? null : stagesOf.stages();
    LoadDriver.Progress bar = ProgressBar.onTerminal(System.err, target.name(), Math.min(plan.maxCalls(),
        target.maxCalls()));
    RunResult r = LoadDriver.run(target, s.calls(), plan, bar);
    ProgressBar.clear(System.err, bar);
    double workerCpuMicros = cpu == null ? Double.NaN : (cpu.cpuNanos() - cpu0) / 1000.0 / r.stats().lookups();
    LookupStages stages = stagesOf == null ? null : stagesOf.stages().minus(stages0);
    Wire wire = workerAddress == null ? null : wireBytesPerCall(s, workerAddress, tableUri,
        new LoadPlan(1, Math.min(WIRE_PASS_CALLS, plan.maxCalls()), plan.maxDuration().compareTo(WIRE_PASS_MAX_DURATION)
            < 0 ? plan.maxDuration() : WIRE_PASS_MAX_DURATION, 0));
    LatencyStats st = r.stats();
    out.printf("   %-34s %,8d calls  p50 %,10.1f µs  p99 %,10.1f µs  %,10.0f calls/s%n", target.name(), st.lookups(),
        st.p50Micros(), st.p99Micros(), st.throughputPerSecond());
    record.add(new SystemResult(target.name(), s.label(), st, r.latencyNanos(), wire == null ? Double.NaN : wire.total(),
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
      NeedleTarget t = new NeedleTarget("Needle", client.table(tableUri, s.table().keyColumn()), s.table().columns(), null);
      LoadPlan one = new LoadPlan(1, 20, Duration.ofSeconds(30), 0);
      LoadDriver.run(t, s.calls(), one, LoadDriver.Progress.NONE); // connect and describe first
      long up0 = proxy.toServerBytes();
      long down0 = proxy.toClientBytes();
      RunResult r = LoadDriver.run(t, s.calls(), pass,
          LoadDriver.Progress.NONE);
      // the relay may still be forwarding the last reply's tail; every reply was read by then, so
      // the counts are complete once the driver returns.
      double calls = r.stats().lookups();
      return new Wire((proxy.toServerBytes() - up0) / calls, (proxy.toClientBytes() - down0) / calls);
    }
  }

  /**
   * The warm figures are "after first touch": lookups until {@code worker} (in-process) has built
   * the table's key indexes and re-paged its big chunks, so that the measured calls do not race
   * the background work. Nothing to do when the worker is elsewhere, or has no page store (it
   * then neither indexes nor re-pages).
   */
  void settleBeforeMeasuring(Worker worker, NeedleTarget target, Scenario s) throws Exception {
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
      record.note(target.name() + " on " + s.label() + ": the worker still built key indexes or re-paged after "
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
  void warmUpTogether(Scenario s, NeedleTarget needle, NeedleTarget gen) throws Exception {
    // A round asks no more calls than the measured run will: a short run (the tests' 30 calls)
    // must not pay for the 4,000 calls that steady JIT code needs before a long one.
    long callsPerRound = Math.min(JIT_WARMUP_CALLS / JIT_WARMUP_ROUNDS, o.needlePlan().maxCalls());
    LoadPlan round = new LoadPlan(1, callsPerRound, Duration.ofSeconds(20), 0);
    for (int i = 0; i < JIT_WARMUP_ROUNDS; i++) {
      LoadDriver.run(needle, s.calls(), round, LoadDriver.Progress.NONE);
      LoadDriver.run(gen, s.calls(), round, LoadDriver.Progress.NONE);
    }
  }

  /** The calls of one settling round: those the measured runs ask (they start at the first call), at most {@link #SETTLE_CALLS}. */
  long settleCalls() {
    return Math.min(SETTLE_CALLS, Math.max(o.needlePlan().maxCalls(), o.warmupCalls()));
  }

  /**
   * Looks up the scenario's first {@code calls} calls, round after round, until {@code worker}
   * has no key index build and no re-paging queued or running and a round started none; false
   * when {@link #SETTLE_LIMIT} ran out first.
   */
  static boolean settle(Worker worker, LookupTarget target, Scenario s, long calls) throws Exception {
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
      LoadDriver.run(target, s.calls(), round, LoadDriver.Progress.NONE);
    }
    return false;
  }
}
