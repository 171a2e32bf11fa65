package io.needle.bench.harness;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The percentile-distribution plot of a scenario: latency (µs, log scale) against percentile,
 * drawn on HdrHistogram's usual axis {@code 1 / (1 - p)} (log scale) so that the median, p90,
 * p99 and p99.9 sit one decade apart. One line per system; a PNG per scenario. Headless.
 */
public final class PercentilePlot {
  private static final double[] PERCENTILES = {
    0, 10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 92.5, 95, 96, 97, 98, 99, 99.5, 99.7, 99.9, 99.95, 99.99
  };

  private PercentilePlot() {}

  /** Writes {@code percentiles-<scenario>.png} for each scenario into {@code dir}; returns the files. */
  public static List<Path> write(Report report, Path dir) throws IOException {
    System.setProperty("java.awt.headless", "true");
    List<Path> out = new ArrayList<>();
    for (Map.Entry<String, List<SystemResult>> e : report.byScenario().entrySet()) {
      XYChart chart = new XYChartBuilder().width(900).height(560)
          .title("needle bench: " + e.getKey() + " (" + report.machine().cores() + " cores)")
          .xAxisTitle("percentile, as 1/(1-p): 2 = p50, 10 = p90, 100 = p99, 1000 = p99.9")
          .yAxisTitle("latency (µs)").build();
      chart.getStyler().setXAxisLogarithmic(true);
      chart.getStyler().setYAxisLogarithmic(true);
      chart.getStyler().setMarkerSize(4);
      for (SystemResult r : e.getValue()) {
        double[][] xy = series(r.latencyNanos());
        if (xy[0].length > 0) {
          chart.addSeries(r.system(), xy[0], xy[1]).setMarker(SeriesMarkers.CIRCLE);
        }
      }
      Path file = dir.resolve("percentiles-" + e.getKey().replace('/', '-') + ".png");
      BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
      out.add(file);
    }
    return out;
  }

  /** (1/(1-p), latency µs) points at the standard percentiles this histogram's count resolves. */
  static double[][] series(Histogram h) {
    List<double[]> points = new ArrayList<>();
    long n = h.getTotalCount();
    for (double p : PERCENTILES) {
      // Plot a percentile only when at least ~2 values lie beyond it.
      if (n == 0 || (100 - p) / 100 * n < 2 && p > 0) {
        continue;
      }
      points.add(new double[] {1.0 / (1.0 - p / 100.0), h.getValueAtPercentile(p) / 1000.0});
    }
    double[][] xy = new double[2][points.size()];
    for (int i = 0; i < points.size(); i++) {
      xy[0][i] = points.get(i)[0];
      xy[1][i] = Math.max(0.1, points.get(i)[1]);
    }
    return xy;
  }
}
