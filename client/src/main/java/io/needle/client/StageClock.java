package io.needle.client;

import io.needle.decode.AnswerHeader;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/** Sums {@link LookupStages} over a client's lookups; a few adds per lookup, from any thread. */
final class StageClock {
  private final LongAdder lookups = new LongAdder();
  private final LongAdder prepare = new LongAdder();
  private final LongAdder transport = new LongAdder();
  private final LongAdder workerPlan = new LongAdder();
  private final LongAdder workerRead = new LongAdder();
  private final LongAdder handoff = new LongAdder();
  private final LongAdder decompress = new LongAdder();
  private final LongAdder decode = new LongAdder();

  /** One decoded call: started when its request was built, replies in any order. */
  void record(long startedNanos, List<Reply> replies, long decodeStartedNanos, long decompressNanos, long doneNanos) {
    if (replies.isEmpty()) {
      return; // nothing was asked of a worker (every file pruned): no stages to split
    }
    Reply last = replies.get(0);
    long firstSent = last.sentNanos();
    for (Reply r : replies) {
      if (r.receivedNanos() > last.receivedNanos()) {
        last = r;
      }
      firstSent = Math.min(firstSent, r.sentNanos());
    }
    AnswerHeader worker = last.lookup();
    long roundTrip = last.receivedNanos() - last.sentNanos();
    long workerNanos = Math.min(roundTrip, worker.planNanos() + worker.readNanos());
    lookups.increment();
    prepare.add(Math.max(0, firstSent - startedNanos));
    transport.add(roundTrip - workerNanos);
    workerPlan.add(Math.min(worker.planNanos(), workerNanos));
    workerRead.add(workerNanos - Math.min(worker.planNanos(), workerNanos));
    handoff.add(Math.max(0, decodeStartedNanos - last.receivedNanos()));
    decompress.add(decompressNanos);
    decode.add(Math.max(0, doneNanos - decodeStartedNanos - decompressNanos));
  }

  LookupStages snapshot() {
    return new LookupStages(lookups.sum(), prepare.sum(), transport.sum(), workerPlan.sum(), workerRead.sum(),
        handoff.sum(), decompress.sum(), decode.sum());
  }
}
