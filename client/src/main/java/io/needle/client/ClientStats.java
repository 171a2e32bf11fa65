package io.needle.client;

/**
 * Counters of a {@link NeedleClient} since it was built, for dashboards and benchmarks.
 *
 * @param workerRequests requests sent to workers (first attempts, retries and hedges)
 * @param retries requests resent to a next owner after a retryable failure
 * @param retriesDenied retries the retry budget refused (the call then failed)
 * @param hedges second requests sent because an owner was slow
 * @param hedgesWon hedges that answered before the request they doubled
 * @param hedgesDenied hedges the hedge budget refused
 */
public record ClientStats(long workerRequests, long retries, long retriesDenied, long hedges, long hedgesWon,
    long hedgesDenied) {}
