package io.needle.bench.harness;

import io.needle.client.LookupStages;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The results of one {@code needle bench} run: the table printed to the terminal, the ratios of
 * Needle against each baseline in the same scenario, and {@code results.json}.
 */
public final class Report {
  /** Name prefix of the Needle rows; every other system is a baseline. */
  public static final String NEEDLE = "Needle";

  private final List<SystemResult> results;
  private final Machine machine;
  private final String command;
  private final List<String> notes;

  public Report(List<SystemResult> results, Machine machine, String command, List<String> notes) {
    this.results = List.copyOf(results);
    this.machine = requireNonNull(machine, "machine is null");
    this.command = requireNonNull(command, "command is null");
    this.notes = List.copyOf(notes);
  }

  public List<SystemResult> results() {
    return results;
  }

  public Machine machine() {
    return machine;
  }

  /** Results grouped by scenario, in run order. */
  public Map<String, List<SystemResult>> byScenario() {
    Map<String, List<SystemResult>> m = new LinkedHashMap<>();
    for (SystemResult r : results) {
      m.computeIfAbsent(r.scenario(), s -> new ArrayList<>()).add(r);
    }
    return m;
  }

  /** The table and ratios as monospaced text (also pasted into BENCHMARKS.md). */
  public String table() {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "machine: %d cores, %.1f GiB, %s, %s%n", machine.cores(),
        machine.memoryBytes() / (double) (1L << 30), machine.jdk(), machine.cpu()));
    sb.append("command: ").append(command).append('\n');
    for (Map.Entry<String, List<SystemResult>> e : byScenario().entrySet()) {
      sb.append('\n').append("== ").append(e.getKey()).append('\n');
      sb.append(String.format(Locale.ROOT, "%-34s %8s %10s %10s %10s %10s %10s %12s %10s %10s%n", "system", "calls",
          "p50 µs", "p90 µs", "p99 µs", "p99.9 µs", "max µs", "calls/s", "wire B", "wCPU µs"));
      for (SystemResult r : e.getValue()) {
        LatencyStats s = r.stats();
        sb.append(String.format(Locale.ROOT, "%-34s %8d %10s %10s %10s %10s %10s %12s %10s %10s%n", r.system(),
            s.lookups(), num(s.p50Micros()), num(s.p90Micros()), num(s.p99Micros()), num(s.p999Micros()),
            num(s.maxMicros()), num(s.throughputPerSecond()), num(r.wireBytesPerCall()),
            num(r.workerCpuMicrosPerCall())));
      }
      SystemResult needle = needleOf(e.getValue());
      for (SystemResult r : e.getValue()) {
        if (r.stages() != null && r.stages().lookups() > 0) {
          sb.append(stagesLine(r));
        }
        if (!Double.isNaN(r.sourceBytesPerCall())) {
          sb.append(String.format(Locale.ROOT, "  %s read from the source per call: %.1f requests, %s bytes%n",
              r.system(), r.sourceGetsPerCall(), num(r.sourceBytesPerCall())));
        }
        Settled w = r.settled();
        if (w != null) {
          sb.append(String.format(Locale.ROOT, "  %s settled after %.1f s: %.1f key indexes (%s B/row), %.1f chunks "
              + "re-paged (%s B stored); %.1f requests, %s bytes from the source since the first lookup%n", r.system(),
              w.seconds(), w.keyIndexes(), num(w.indexBytesPerRow()), w.chunksRepaged(), num(w.repagedBytes()),
              w.sourceGets(), num(w.sourceBytes())));
        }
      }
      if (needle != null) {
        for (SystemResult r : e.getValue()) {
          if (r == needle || r.system().startsWith("Needle ")) {
            continue; // ratios compare Needle with the baselines; embedded mode is Needle too
          }
          sb.append(String.format(Locale.ROOT, "  Needle vs %-30s p50 %s, p99 %s, throughput %s%n",
              r.system() + ":",
              Ratios.inWords(Ratios.latencySpeedup(needle.stats().p50Micros(), r.stats().p50Micros()), "faster", "slower"),
              Ratios.inWords(Ratios.latencySpeedup(needle.stats().p99Micros(), r.stats().p99Micros()), "faster", "slower"),
              Ratios.inWords(Ratios.throughputGain(needle.stats().throughputPerSecond(),
                  r.stats().throughputPerSecond()), "higher", "lower")));
        }
      }
    }
    sb.append(batchRatios());
    if (!notes.isEmpty()) {
      sb.append('\n');
      for (String n : notes) {
        sb.append("note: ").append(n).append('\n');
      }
    }
    return sb.toString();
  }

  /** The order and names of the stages, in the table and in results.json. */
  private static final String[] STAGE_NAMES = {"prepare", "transport", "worker_plan", "worker_read", "handoff",
      "decompress", "decode"};

  private static long[] stageNanos(LookupStages st) {
    return new long[] {st.prepareNanos(), st.transportNanos(), st.workerPlanNanos(), st.workerReadNanos(),
        st.handoffNanos(), st.decompressNanos(), st.decodeNanos()};
  }

  private static String stagesLine(SystemResult r) {
    LookupStages st = r.stages();
    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "  %s stages, mean µs per call:", r.system()));
    long[] nanos = stageNanos(st);
    for (int i = 0; i < nanos.length; i++) {
      sb.append(String.format(Locale.ROOT, " %s %.1f", STAGE_NAMES[i].replace('_', ' '), st.meanMicros(nanos[i])));
      sb.append(i + 1 < nanos.length ? " |" : "");
    }
    sb.append(String.format(Locale.ROOT, " = %.1f%n", st.meanMicros(st.totalNanos())));
    return sb.toString();
  }

  /** Issue 16's target for a batch of 100 random keys: p50 and worker CPU at most this many times one key's. */
  public static final double BATCH_TARGET_RATIO = 10;

  /**
   * Each batch scenario's Needle p50 and worker CPU as multiples of one key's (the feature
   * scenario with the same key distribution, same run); empty without both.
   */
  String batchRatios() {
    Map<String, List<SystemResult>> scenarios = byScenario();
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, List<SystemResult>> e : scenarios.entrySet()) {
      int slash = e.getKey().indexOf('/');
      Workload w = slash < 0 ? null : Workload.ofLabel(e.getKey().substring(0, slash));
      if (w == null || w.keysPerCall() == 1) {
        continue;
      }
      List<SystemResult> single = scenarios.get(Workload.FEATURE.label() + e.getKey().substring(slash));
      SystemResult batch = needleOf(e.getValue());
      SystemResult one = single == null ? null : needleOf(single);
      if (batch == null || one == null) {
        continue;
      }
      double p50Ratio = batch.stats().p50Micros() / one.stats().p50Micros();
      double cpuRatio = batch.workerCpuMicrosPerCall() / one.workerCpuMicrosPerCall();
      if (sb.isEmpty()) {
        sb.append("\n== batch vs one key (Needle, this run; target for 100 keys: <= ")
            .append(Ratios.format(BATCH_TARGET_RATIO)).append(")\n");
      }
      sb.append(String.format(Locale.ROOT, "%-24s %,6d keys: p50 %s µs = %s one key (%s µs), %s µs per key; "
              + "worker CPU %s µs = %s one key's%n", e.getKey(), w.keysPerCall(), num(batch.stats().p50Micros()),
          Ratios.format(p50Ratio), num(one.stats().p50Micros()), num(batch.stats().p50Micros() / w.keysPerCall()),
          num(batch.workerCpuMicrosPerCall()), Ratios.format(cpuRatio)));
    }
    return sb.toString();
  }

  private static SystemResult needleOf(List<SystemResult> rs) {
    for (SystemResult r : rs) {
      if (r.system().startsWith(NEEDLE)) {
        return r;
      }
    }
    return null;
  }

  /** results.json: {@code {"systems":[{"name":…,"p50_us":…,…}],"machine":{…}}}. */
  public String json() {
    StringBuilder sb = new StringBuilder("{\n  \"systems\": [");
    for (int i = 0; i < results.size(); i++) {
      SystemResult r = results.get(i);
      LatencyStats s = r.stats();
      SystemResult needle = needleOf(byScenario().get(r.scenario()));
      sb.append(i == 0 ? "\n" : ",\n").append("    {");
      sb.append("\"name\": ").append(Json.string(r.system()));
      sb.append(", \"scenario\": ").append(Json.string(r.scenario()));
      sb.append(", \"calls\": ").append(s.lookups());
      sb.append(", \"p50_us\": ").append(Json.number(s.p50Micros()));
      sb.append(", \"p90_us\": ").append(Json.number(s.p90Micros()));
      sb.append(", \"p99_us\": ").append(Json.number(s.p99Micros()));
      sb.append(", \"p999_us\": ").append(Json.number(s.p999Micros()));
      sb.append(", \"max_us\": ").append(Json.number(s.maxMicros()));
      sb.append(", \"throughput\": ").append(Json.number(s.throughputPerSecond()));
      sb.append(", \"wire_bytes_per_call\": ").append(Json.number(r.wireBytesPerCall()));
      sb.append(", \"worker_cpu_us_per_call\": ").append(Json.number(r.workerCpuMicrosPerCall()));
      if (!Double.isNaN(r.sourceBytesPerCall())) {
        sb.append(", \"source_gets_per_call\": ").append(Json.number(r.sourceGetsPerCall()));
        sb.append(", \"source_bytes_per_call\": ").append(Json.number(r.sourceBytesPerCall()));
      }
      Settled w = r.settled();
      if (w != null) {
        sb.append(", \"settled\": {\"seconds\": ").append(Json.number(w.seconds()))
            .append(", \"source_gets\": ").append(Json.number(w.sourceGets()))
            .append(", \"source_bytes\": ").append(Json.number(w.sourceBytes()))
            .append(", \"key_indexes\": ").append(Json.number(w.keyIndexes()))
            .append(", \"index_bytes_per_row\": ").append(Json.number(w.indexBytesPerRow()))
            .append(", \"chunks_repaged\": ").append(Json.number(w.chunksRepaged()))
            .append(", \"repaged_bytes\": ").append(Json.number(w.repagedBytes())).append('}');
      }
      if (r.stages() != null && r.stages().lookups() > 0) {
        sb.append(", \"stages_us\": {");
        long[] nanos = stageNanos(r.stages());
        for (int k = 0; k < nanos.length; k++) {
          sb.append(k == 0 ? "" : ", ").append(Json.string(STAGE_NAMES[k])).append(": ")
              .append(Json.number(r.stages().meanMicros(nanos[k])));
        }
        sb.append('}');
      }
      if (needle != null && needle != r) {
        sb.append(", \"needle_p50_speedup\": ")
            .append(Json.number(Ratios.latencySpeedup(needle.stats().p50Micros(), s.p50Micros())));
        sb.append(", \"needle_p99_speedup\": ")
            .append(Json.number(Ratios.latencySpeedup(needle.stats().p99Micros(), s.p99Micros())));
      }
      sb.append('}');
    }
    sb.append("\n  ],\n  \"machine\": {");
    sb.append("\"cores\": ").append(machine.cores());
    sb.append(", \"memory_bytes\": ").append(machine.memoryBytes());
    sb.append(", \"jdk\": ").append(Json.string(machine.jdk()));
    sb.append(", \"os\": ").append(Json.string(machine.os()));
    sb.append(", \"cpu\": ").append(Json.string(machine.cpu()));
    sb.append("},\n  \"command\": ").append(Json.string(command));
    sb.append(",\n  \"notes\": [");
    for (int i = 0; i < notes.size(); i++) {
      sb.append(i == 0 ? "" : ", ").append(Json.string(notes.get(i)));
    }
    sb.append("]\n}\n");
    return sb.toString();
  }

  public void writeJson(Path file) throws IOException {
    Files.writeString(file, json(), StandardCharsets.UTF_8);
  }

  private static String num(double v) {
    if (Double.isNaN(v)) {
      return "-";
    }
    return v >= 100 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.1f", v);
  }
}
