package io.needle.client;

import java.util.concurrent.atomic.LongAdder;

/** The mutable counters behind {@link ClientStats}; a few adds per call, from any thread. */
final class Counters {
  final LongAdder workerRequests = new LongAdder();
  final LongAdder blockingCalls = new LongAdder();
  final LongAdder blockingFallbacks = new LongAdder();
  final LongAdder retries = new LongAdder();
  final LongAdder retriesDenied = new LongAdder();
  final LongAdder hedges = new LongAdder();
  final LongAdder hedgesWon = new LongAdder();
  final LongAdder hedgesDenied = new LongAdder();
  final LongAdder ejections = new LongAdder();

  ClientStats snapshot() {
    return new ClientStats(workerRequests.sum(), blockingCalls.sum(), blockingFallbacks.sum(), retries.sum(),
        retriesDenied.sum(), hedges.sum(), hedgesWon.sum(), hedgesDenied.sum(),
        ejections.sum());
  }
}
