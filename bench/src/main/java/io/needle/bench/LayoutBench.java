package io.needle.bench;

import static java.util.Objects.requireNonNull;

import io.needle.bench.gen.Layout;
import io.needle.bench.gen.LayoutTable;
import io.needle.bench.harness.Directories;
import io.needle.bench.harness.Ratios;
import io.needle.bench.harness.Report;
import io.needle.bench.harness.Settled;
import io.needle.bench.harness.SystemResult;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * {@code needle bench --layouts}: the same key-derived rows written in each {@link Layout} users
 * have, each measured as a table of the user's own ({@code --table}, key {@code id}, every column)
 * beside DuckDB and beside the same rows rewritten in {@code needle gen}'s layout, then one
 * summary line per layout: issue 11's figures (p50 ratios to DuckDB and to the gen layout, wire
 * bytes per present and absent lookup, first-touch time and bytes read from the source).
 *
 * <p>Tables go to {@code tableDir/<layout>} and their rewrites to {@code tableDir/<layout>-gen-layout},
 * each written once and kept for the next run (a marker names the row count); each layout's
 * report and results.json go to {@code outDir/<layout>}, the summary to {@code outDir/layouts.txt}.
 */
public final class LayoutBench {
  /** The options of one layout's run: its table, where its gen-layout rewrite goes, where its report goes. */
  public interface OptionsFor {
    BenchOptions of(UserTableSpec table, Path genLayoutDir, Path outDir);
  }

  private LayoutBench() {}

  /** One layout's figures, from its report. */
  record Line(Layout layout, long bytes, double p50Micros, double duckdbP50Micros, double genP50Micros,
      double wirePresent, double absentP50Micros, double absentDuckdbP50Micros, double wireAbsent,
      double coldP50Micros, double firstTouchP50Micros, double firstTouchGets, double firstTouchBytes,
      double settledSeconds, double settledSourceBytes, double indexBytesPerRow) {}

  /** Writes (or reuses) and measures every layout of {@code layouts}; returns the summary, also printed. */
  public static String run(List<Layout> layouts, long rows, Path tableDir, Path outDir, OptionsFor options,
      String command, PrintStream out) throws Exception {
    requireNonNull(tableDir, "tableDir is null");
    List<Line> lines = new ArrayList<>();
    for (Layout layout : layouts) {
      Path dir = tableDir.resolve(layout.label());
      long bytes = ensureTable(layout, rows, dir, out);
      out.printf("%n=== layout %s: %s%n", layout.label(), layout.description());
      Report report = BenchRunner.run(options.of(new UserTableSpec(dir, LayoutTable.KEY_COLUMN, List.of()),
          tableDir.resolve(layout.label() + "-gen-layout"), outDir.resolve(layout.label())),
          command + "  [layout " + layout.label() + "]", out);
      lines.add(line(layout, bytes, report));
    }
    String summary = summary(rows, command, lines);
    out.println();
    out.print(summary);
    Files.createDirectories(outDir);
    Files.writeString(outDir.resolve("layouts.txt"), summary);
    return summary;
  }

  private static long ensureTable(Layout layout, long rows, Path dir, PrintStream out) throws IOException {
    Path marker = dir.resolve(".needle-layout-" + rows + "-rows");
    if (!Files.exists(marker)) {
      Directories.deleteTree(dir);
      long t0 = System.nanoTime();
      out.printf("writing layout %s, %,d keys, in %s ...%n", layout.label(), rows, dir);
      new LayoutTable(layout, rows, LayoutTable.DEFAULT_SEED).write(dir);
      Files.writeString(marker, layout.description() + "\n");
      out.printf("written in %.1f s%n", (System.nanoTime() - t0) / 1e9);
    }
    try (Stream<Path> files = Files.list(dir)) {
      long bytes = 0;
      for (Path f : files.filter(f -> f.toString().endsWith(".parquet")).toList()) {
        bytes += Files.size(f);
      }
      return bytes;
    }
  }

  private static Line line(Layout layout, long bytes, Report report) {
    return new Line(layout, bytes,
        p50(report, "feature/", "Needle"), p50(report, "feature/", "DuckDB"),
        p50(report, "feature/", "Needle (gen layout)"), find(report, "feature/", "Needle").map(SystemResult::wireBytesPerCall),
        p50(report, "absent/", "Needle"), p50(report, "absent/", "DuckDB"),
        find(report, "absent/", "Needle").map(SystemResult::wireBytesPerCall),
        p50(report, "cold/", "Needle (cold)"), p50(report, "cold/", "Needle S3 (first touch)"),
        find(report, "cold/", "Needle S3 (first touch)").map(SystemResult::sourceGetsPerCall),
        find(report, "cold/", "Needle S3 (first touch)").map(SystemResult::sourceBytesPerCall),
        settled(report).map(Settled::seconds), settled(report).map(Settled::sourceBytes),
        settled(report).map(Settled::indexBytesPerRow));
  }

  /** The first touch's background work, when measured. */
  private record SettledFound(Settled settled) {
    double map(java.util.function.ToDoubleFunction<Settled> f) {
      return settled == null ? Double.NaN : f.applyAsDouble(settled);
    }
  }

  private static SettledFound settled(Report report) {
    SystemResult r = find(report, "cold/", "Needle S3 (first touch)").result();
    return new SettledFound(r == null ? null : r.settled());
  }

  /** A figure of a result, NaN when the run has no such result. */
  private record Found(SystemResult result) {
    double map(java.util.function.ToDoubleFunction<SystemResult> f) {
      return result == null ? Double.NaN : f.applyAsDouble(result);
    }
  }

  /** The first result of {@code system} in the first scenario starting with {@code scenarioPrefix}. */
  private static Found find(Report report, String scenarioPrefix, String system) {
    return new Found(report.results().stream()
        .filter(r -> r.scenario().startsWith(scenarioPrefix) && r.system().equals(system))
        .findFirst().orElse(null));
  }

  private static double p50(Report report, String scenarioPrefix, String system) {
    return find(report, scenarioPrefix, system).map(r -> r.stats().p50Micros());
  }

  static String summary(long rows, String command, List<Line> lines) {
    StringBuilder sb = new StringBuilder();
    sb.append("command: ").append(command).append('\n');
    sb.append(String.format(Locale.ROOT, "%,d keys per layout. p50 in µs; \"vs DuckDB\" = DuckDB p50 / Needle p50 "
        + "(issue 11 wants >= 100x); \"vs gen\" = Needle p50 / Needle p50 on the same rows in gen's layout (wants "
        + "<= 3x); wire B = bytes both ways per lookup; first touch = first lookup of a fresh worker reading the "
        + "table from loopback S3 with an empty page store; settled = seconds from that lookup until the worker had "
        + "built its key indexes and re-paged (lookups going on), the source bytes read by then, and the key index's "
        + "page-store bytes per row.%n", rows));
    sb.append(String.format(Locale.ROOT, "%-30s %8s | %9s %9s %8s %10s | %9s %9s %10s | %9s %10s %6s %11s | %8s %11s %6s%n",
        "layout", "MB", "p50", "vs DuckDB", "vs gen", "wire B", "absent", "vs DuckDB", "wire B", "cold p50",
        "1st touch", "GETs", "source B", "settled", "source B", "idx B/r"));
    for (Line l : lines) {
      sb.append(String.format(Locale.ROOT, "%-30s %8.1f | %9s %9s %8s %10s | %9s %9s %10s | %9s %10s %6s %11s | %8s %11s %6s%n",
          l.layout().label(), l.bytes() / 1e6, num(l.p50Micros()),
          Ratios.format(Ratios.latencySpeedup(l.p50Micros(), l.duckdbP50Micros())),
          Ratios.format(Ratios.latencySpeedup(l.genP50Micros(), l.p50Micros())), num(l.wirePresent()),
          num(l.absentP50Micros()), Ratios.format(Ratios.latencySpeedup(l.absentP50Micros(), l.absentDuckdbP50Micros())),
          num(l.wireAbsent()), num(l.coldP50Micros()), num(l.firstTouchP50Micros()), num(l.firstTouchGets()),
          num(l.firstTouchBytes()), Double.isNaN(l.settledSeconds()) ? "-"
              : String.format(Locale.ROOT, "%.1f s", l.settledSeconds()), num(l.settledSourceBytes()),
          Double.isNaN(l.indexBytesPerRow()) ? "-" : String.format(Locale.ROOT, "%.2f", l.indexBytesPerRow())));
    }
    return sb.toString();
  }

  private static String num(double v) {
    if (Double.isNaN(v)) {
      return "-";
    }
    return v >= 100 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.1f", v);
  }
}
