package io.needle.bench.harness;

/**
 * One system under test: Needle, or a baseline answering the same lookups on the same data.
 *
 * <p>A target is called by one caller thread at a time per instance obtained from
 * {@link #forCaller()}; targets that are thread-safe return themselves.
 */
public interface LookupTarget extends AutoCloseable {

  /** Short name used in the report and results.json. */
  String name();

  /** Whether this target answers {@code workload} (slow baselines skip batch lookups). */
  boolean supports(Workload workload);

  /**
   * Looks up {@code keys} (one key, or a batch; {@code Long}, {@code Integer} or {@code String}
   * as the key column takes them) asking for the scenario's columns and returns the number of
   * rows found. The values are materialized as the system's users would see them.
   */
  int lookup(Object[] keys) throws Exception;

  /** The instance a caller thread uses; thread-safe targets return themselves. */
  default LookupTarget forCaller() throws Exception {
    return this;
  }

  /** The most calls worth recording for this target in one scenario (slow baselines cap it). */
  default long maxCalls() {
    return Long.MAX_VALUE;
  }

  @Override
  void close() throws Exception;
}
