package io.needle.bench.harness;

import java.io.PrintStream;

/**
 * A one-line progress bar on a terminal ({@code \r}-redrawn at most ten times a second); prints
 * nothing when the output is not a terminal. Called from caller threads: the redraw is guarded
 * by a timestamp so at most one thread draws per tick, and the timed path pays one volatile read.
 */
public final class ProgressBar implements LoadDriver.Progress {
  private static final long REDRAW_NANOS = 100_000_000L;
  private final PrintStream out;
  private final String label;
  private final long total;
  private final String unit;
  private final long startNanos = System.nanoTime();
  private volatile long nextDrawNanos;

  private ProgressBar(PrintStream out, String label, long total, String unit) {
    this.out = out;
    this.label = label;
    this.total = total;
    this.unit = unit;
  }

  /** A bar on {@code out} when stdout is a terminal, else {@link LoadDriver.Progress#NONE}. */
  public static LoadDriver.Progress onTerminal(PrintStream out, String label, long total) {
    return onTerminal(out, label, total, "calls");
  }

  /** A bar counting {@code unit}s (e.g. "rows") on {@code out} when stdout is a terminal. */
  public static LoadDriver.Progress onTerminal(PrintStream out, String label, long total, String unit) {
    return System.console() != null ? new ProgressBar(out, label, total, unit) : LoadDriver.Progress.NONE;
  }

  @Override
  public void completed(long callsDone) {
    long now = System.nanoTime();
    long due = nextDrawNanos;
    if (now < due) {
      return;
    }
    synchronized (this) {
      if (now < nextDrawNanos) {
        return;
      }
      nextDrawNanos = now + REDRAW_NANOS;
    }
    double fraction = total == Long.MAX_VALUE ? 0 : Math.min(1.0, (double) callsDone / total);
    int filled = (int) (fraction * 30);
    out.printf("\r  %-40s [%s%s] %,d %s, %.1f s ", label, "#".repeat(filled), " ".repeat(30 - filled),
        callsDone, unit, (now - startNanos) / 1e9);
    out.flush();
  }

  /** Clears the bar's line. */
  public static void clear(PrintStream out, LoadDriver.Progress progress) {
    if (progress instanceof ProgressBar) {
      out.print("\r" + " ".repeat(110) + "\r");
      out.flush();
    }
  }
}
