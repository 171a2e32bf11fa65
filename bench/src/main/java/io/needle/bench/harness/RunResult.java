package io.needle.bench.harness;

import org.HdrHistogram.Histogram;

/**
 * What a measured run recorded: the merged latency histogram (nanoseconds), wall-clock time,
 * and the CPU time the caller threads themselves spent (used to split process CPU into client
 * and worker shares).
 */
public record RunResult(Histogram latencyNanos, long elapsedNanos, long callerCpuNanos, long rowsFound) {

  public LatencyStats stats() {
    return LatencyStats.of(latencyNanos, elapsedNanos);
  }
}
