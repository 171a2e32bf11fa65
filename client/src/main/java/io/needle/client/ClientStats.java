package io.needle.client;

/**
 * Counters of a {@link NeedleClient} since it was built, for dashboards and benchmarks.
 *
 * @param workerRequests requests sent to workers (first attempts, retries and hedges)
 * @param blockingCalls of those, synchronous calls made on the caller's thread (see
 *     {@link NeedleClient.Builder#blockingCalls})
 * @param blockingFallbacks blocking calls whose socket failed or timed out, redone through the
 *     event loop with its retries and failover
 * @param retries requests resent to a next owner after a retryable failure
 * @param retriesDenied retries the retry budget refused (the call then failed)
 * @param hedges second requests sent because an owner was slow
 * @param hedgesWon hedges that answered before the request they doubled
 * @param hedgesDenied hedges the hedge budget refused
 * @param ejections workers taken out of routing as outliers (see {@link OutlierEjection})
 */
public record ClientStats(long workerRequests, long blockingCalls, long blockingFallbacks, long retries,
    long retriesDenied, long hedges, long hedgesWon, long hedgesDenied, long ejections) {}
