package io.needle.client;

/**
 * Where the time of a client's lookups went, summed over every lookup it has decoded since it was
 * built, from the client's and the workers' own clocks. Take two snapshots and {@link #minus}
 * them to look at a window, then divide by {@link #lookups} ({@link #meanMicros}).
 *
 * <p>The stages of one call, in order:
 * <ol>
 *   <li>{@code prepare}: the caller routes the keys and builds the request(s);</li>
 *   <li>{@code transport}: request and answer between the client and the worker: both event
 *       loops' hand-offs, system calls and the loopback or network, i.e. the round trip minus
 *       the worker's own time;</li>
 *   <li>{@code workerPlan}: the worker plans and assembles the answer (manifest, metadata cache,
 *       page cache), as it reports;</li>
 *   <li>{@code workerRead}: the worker reads local page bytes into the answer, as it reports;</li>
 *   <li>{@code handoff}: from the answer's arrival on the client's event loop to the decoding
 *       thread taking it up;</li>
 *   <li>{@code decompress}: page bodies decompressed;</li>
 *   <li>{@code decode}: the rest of decoding and row assembly: page headers, levels, values,
 *       {@link Row}s and the result map.</li>
 * </ol>
 * For a call answered by several workers, the worker and transport stages are those of the
 * answer that came last (the one the call waited for).
 */
public record LookupStages(long lookups, long prepareNanos, long transportNanos, long workerPlanNanos,
    long workerReadNanos, long handoffNanos, long decompressNanos, long decodeNanos) {

  /** This window minus an earlier snapshot of the same client. */
  public LookupStages minus(LookupStages earlier) {
    return new LookupStages(lookups - earlier.lookups, prepareNanos - earlier.prepareNanos,
        transportNanos - earlier.transportNanos, workerPlanNanos - earlier.workerPlanNanos,
        workerReadNanos - earlier.workerReadNanos, handoffNanos - earlier.handoffNanos,
        decompressNanos - earlier.decompressNanos, decodeNanos - earlier.decodeNanos);
  }

  /** Mean microseconds per lookup of a stage's nanosecond total (NaN without lookups). */
  public double meanMicros(long stageNanos) {
    return lookups == 0 ? Double.NaN : stageNanos / 1000.0 / lookups;
  }

  /** The sum of every stage: the mean call from request building to decoded rows. */
  public long totalNanos() {
    return prepareNanos + transportNanos + workerPlanNanos + workerReadNanos + handoffNanos + decompressNanos
        + decodeNanos;
  }
}
