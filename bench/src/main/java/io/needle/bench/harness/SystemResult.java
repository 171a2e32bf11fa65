package io.needle.bench.harness;

import io.needle.client.LookupStages;

import static java.util.Objects.requireNonNull;

import org.HdrHistogram.Histogram;

/**
 * One system's measured run of one scenario.
 *
 * @param system the target's name
 * @param scenario workload and key distribution, e.g. {@code feature/uniform}
 * @param stats latency percentiles and throughput
 * @param latencyNanos the merged histogram (for the percentile plot)
 * @param wireBytesPerCall bytes on the loopback connection per call, both directions (NaN when
 *     not measured)
 * @param workerCpuMicrosPerCall CPU the worker's threads spent per call (NaN when not measured)
 * @param stages where Needle's calls spent their time, from the client's and workers' clocks
 *     (null for baselines and when not measured)
 * @param sourceGetsPerCall object requests a worker sent to the table's source per call (NaN when
 *     not measured: only a first touch from S3 measures it)
 * @param sourceBytesPerCall object bytes a worker read from the table's source per call (NaN when
 *     not measured)
 * @param settled a first touch's background work until the worker settled (null when not measured)
 */
public record SystemResult(
    String system,
    String scenario,
    LatencyStats stats,
    Histogram latencyNanos,
    double wireBytesPerCall,
    double workerCpuMicrosPerCall,
    LookupStages stages,
    double sourceGetsPerCall,
    double sourceBytesPerCall,
    Settled settled) {

  /** A result without source reads. */
  public SystemResult(String system, String scenario, LatencyStats stats, Histogram latencyNanos,
      double wireBytesPerCall, double workerCpuMicrosPerCall, LookupStages stages) {
    this(system, scenario, stats, latencyNanos, wireBytesPerCall, workerCpuMicrosPerCall, stages, Double.NaN,
        Double.NaN, null);
  }

  /** A result without a stage breakdown (baselines). */
  public SystemResult(String system, String scenario, LatencyStats stats, Histogram latencyNanos,
      double wireBytesPerCall, double workerCpuMicrosPerCall) {
    this(system, scenario, stats, latencyNanos, wireBytesPerCall, workerCpuMicrosPerCall, null);
  }

  public SystemResult {
    requireNonNull(system, "system is null");
    requireNonNull(scenario, "scenario is null");
    requireNonNull(stats, "stats is null");
    requireNonNull(latencyNanos, "latencyNanos is null");
  }
}
