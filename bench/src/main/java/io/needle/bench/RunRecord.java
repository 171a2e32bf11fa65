package io.needle.bench;

import io.needle.bench.harness.Machine;
import io.needle.bench.harness.PercentilePlot;
import io.needle.bench.harness.Report;
import io.needle.bench.harness.SystemResult;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What one {@code needle bench} run found, as it goes: each system's result per scenario, and the
 * notes that explain them (each printed once, when first said); at the end, the report printed
 * and written (results.json and the plots).
 */
final class RunRecord {
  private final PrintStream out;
  private final List<String> notes = new ArrayList<>();
  private final List<SystemResult> results = new ArrayList<>();

  RunRecord(PrintStream out) {
    this.out = out;
  }

  void note(String text) {
    if (!notes.contains(text)) {
      notes.add(text);
      out.println("note: " + text);
    }
  }

  void add(SystemResult result) {
    results.add(result);
  }

  /** The result added last. */
  SystemResult last() {
    return results.get(results.size() - 1);
  }

  /** The report of everything recorded: printed, and written with its plots into {@code outDir}. */
  Report write(String command, Path outDir) throws IOException {
    Report report = new Report(results, Machine.current(), command, notes);
    out.println();
    out.print(report.table());
    Files.createDirectories(outDir);
    Path json = outDir.resolve("results.json");
    report.writeJson(json);
    List<Path> plots = PercentilePlot.write(report, outDir);
    out.println("wrote " + json + " and " + plots.size() + " plot(s) in " + outDir);
    return report;
  }
}
