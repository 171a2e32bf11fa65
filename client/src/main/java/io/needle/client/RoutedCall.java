package io.needle.client;

import io.needle.protocol.proto.Request;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * One routed call and its state machine: items (a lookup's files, or the table of a describe) go
 * to their rendezvous owners, one request per owner, in parallel; the answer is every owner's
 * reply. The blocking and the asynchronous APIs both drive this one machine; only how the first
 * attempt travels differs (see {@link #runOnThisThread}).
 *
 * <p>Resilience, all inside the call's one deadline and under the one {@link CallPolicy}:
 * <ul>
 *   <li>An owner that fails retryably (connection lost or refused, UNAVAILABLE, no answer within
 *       the attempt timeout) is marked down and its items go again, each to its next owner in
 *       rendezvous order, excluding every worker this call already gave up on, after a jittered
 *       backoff. Retries are capped by the retry throttle; non-retryable errors fail the call at
 *       once. An error carrying pushback (retry-after) holds its worker off for that long.</li>
 *   <li>With hedging on, an owner that has not answered after the hedge delay gets a twin
 *       request at the items' next owners, if the hedge budget allows; the first complete answer
 *       wins and the other's frames are released when they arrive.</li>
 * </ul>
 * Wrong rows cannot come of this: any worker serves any file, and an item's rows come from
 * exactly one winning reply.
 *
 * <p>Threading: callbacks run on the client's event loop (or the caller's thread for a first
 * attempt made there); no locks but {@link Race}'s.
 */
final class RoutedCall<T> {
  private final Workers workers;
  private final CallPolicy policy;
  private final ToLongFunction<T> keyHash;
  private final Function<List<T>, Request.Builder> requestFor;
  private final long deadlineNanos;
  private final boolean hedged;

  RoutedCall(Workers workers, CallPolicy policy, ToLongFunction<T> keyHash, Function<List<T>, Request.Builder> requestFor,
      long deadlineNanos, boolean hedged) {
    this.workers = workers;
    this.policy = policy;
    this.keyHash = keyHash;
    this.requestFor = requestFor;
    this.deadlineNanos = deadlineNanos;
    this.hedged = hedged;
  }

  /** Every owner's reply, asynchronously; the caller releases them. */
  CompletableFuture<List<Reply>> start(List<T> items) {
    policy.callStarted();
    CompletableFuture<List<Reply>> call = workers.whenKnown(deadlineNanos, () -> fetch(items, Set.of(), hedged, null));
    call.thenRun(policy::callSucceeded);
    return call;
  }

  /**
   * Every owner's reply, for a caller that waits anyway. When one worker owns every item and no
   * hedge can be due, the first attempt is made on this thread over a pooled blocking socket: two
   * thread hand-offs fewer than through the event loop (see {@link BlockingCalls}). Its outcome
   * goes through the same policy as any attempt's, so a failure fails over (through the event
   * loop) exactly as an asynchronous call's would. Otherwise this is {@link #start}, awaited.
   */
  CompletableFuture<List<Reply>> runOnThisThread(List<T> items) {
    Member owner = hedged || !workers.onThisThreadPossible() ? null : soleOwner(items);
    if (owner == null) {
      return Futures.settled(start(items), true);
    }
    policy.callStarted();
    Race race = new Race();
    race.started();
    long start = System.nanoTime();
    CompletableFuture<Reply> answer;
    if (deadlineNanos - start <= 0) {
      answer = CompletableFuture.failedFuture(deadlinePassed());
    } else {
      try {
        answer = CompletableFuture.completedFuture(workers.callOnThisThread(owner, requestFor.apply(items), deadlineNanos,
            start + policy.attemptNanos(deadlineNanos, start)));
      } catch (BlockingCalls.Unusable e) {
        answer = CompletableFuture.failedFuture(new NeedleException(NeedleException.Code.UNAVAILABLE, e.getMessage(), e));
        workers.blockingFallback();
      } catch (NeedleException e) {
        answer = CompletableFuture.failedFuture(e);
      }
    }
    // The socket's failure does not exclude its worker from the retry: the event loop's own
    // connection may still carry the call (a one-worker fleet's only chance), though the breaker,
    // now open, sends it to the next owner first.
    answered(owner, items, Set.of(), false, race, start, answer);
    race.result().thenRun(policy::callSucceeded);
    return Futures.settled(race.result(), true);
  }

  /** The one worker that owns every item, or null when they are spread (or no worker is known). */
  private Member soleOwner(List<T> items) {
    long now = System.nanoTime();
    List<Member> members = workers.members();
    Member owner = null;
    for (T item : items) {
      Member m = Rendezvous.owner(members, keyHash.applyAsLong(item), Set.of(), now);
      if (m == null || (owner != null && m != owner)) {
        return null;
      }
      owner = m;
    }
    return owner;
  }

  private CompletableFuture<List<Reply>> fetch(List<T> items, Set<String> excluded, boolean mayHedge, Throwable why) {
    long now = System.nanoTime();
    List<Member> members = workers.members();
    Map<Member, List<T>> parts = new LinkedHashMap<>();
    for (T item : items) {
      Member owner = Rendezvous.owner(members, keyHash.applyAsLong(item), excluded, now);
      if (owner == null) {
        return CompletableFuture.failedFuture(workers.noneLeft(why));
      }
      parts.computeIfAbsent(owner, m -> new ArrayList<>()).add(item);
    }
    if (parts.size() == 1) {
      Map.Entry<Member, List<T>> only = parts.entrySet().iterator().next();
      return part(only.getKey(), only.getValue(), excluded, mayHedge);
    }
    List<CompletableFuture<List<Reply>>> futures = new ArrayList<>(parts.size());
    for (Map.Entry<Member, List<T>> e : parts.entrySet()) {
      futures.add(part(e.getKey(), e.getValue(), excluded, mayHedge));
    }
    return all(futures);
  }

  private CompletableFuture<List<Reply>> part(Member owner, List<T> items, Set<String> excluded, boolean mayHedge) {
    Race race = new Race();
    Set<String> next = new HashSet<>(excluded);
    next.add(owner.name());
    attempt(owner, items, next, mayHedge, race);
    if (mayHedge) {
      long delay = policy.hedgeDelayNanos();
      if (delay >= 0) {
        var timer = workers.schedule(() -> hedge(items, next, race), delay);
        race.result().whenComplete((replies, error) -> timer.cancel(false)); // no dead timers piling up
      }
    }
    return race.result();
  }

  private void attempt(Member owner, List<T> items, Set<String> next, boolean mayHedge, Race race) {
    race.started();
    long start = System.nanoTime();
    long remaining = deadlineNanos - start;
    if (remaining <= 0) {
      race.failed(deadlinePassed());
      return;
    }
    Duration timeout = Duration.ofNanos(policy.attemptNanos(deadlineNanos, start));
    answered(owner, items, next, mayHedge, race, start,
        workers.send(owner, requestFor.apply(items), timeout));
  }

  /** What the policy makes of an attempt's outcome: a win, a failover, or the call's failure. */
  private void answered(Member owner, List<T> items, Set<String> next, boolean mayHedge, Race race, long start,
      CompletableFuture<Reply> answer) {
    answer.whenComplete((reply, error) -> {
      if (error == null) {
        long took = System.nanoTime() - start;
        owner.succeeded();
        owner.attemptEnded(took, false);
        policy.answeredIn(took, hedged);
        race.succeeded(List.of(reply));
        return;
      }
      Throwable cause = Futures.unwrap(error);
      if (cause instanceof NeedleException ne && !ne.retryAfter().isZero()) {
        owner.holdOff(System.nanoTime() + ne.retryAfter().toNanos()); // pushback: send it nothing for that long
      }
      if (!(cause instanceof NeedleException ne) || !ne.isRetryable() || ne.isSourceFailure()
          || endedByTheCallsDeadline(ne)) {
        if (cause instanceof NeedleException ne && ne.isSourceFailure()) {
          owner.succeeded(); // it answered: the worker is fine, its source is not
        }
        owner.attemptEnded(System.nanoTime() - start, false); // it answered, if only with an error
        race.failNow(cause);
        return;
      }
      owner.attemptEnded(System.nanoTime() - start, true);
      workers.failed(owner);
      if (!race.isDone() && !race.othersPending() && policy.mayRetry(deadlineNanos)) {
        race.started();
        retryLater(items, next, mayHedge, cause, race);
      }
      race.failed(cause);
    });
  }

  /** The retry, to the items' next owners, after the policy's jittered backoff. */
  private void retryLater(List<T> items, Set<String> next, boolean mayHedge, Throwable cause, Race race) {
    Runnable retry = () -> fetch(items, next, mayHedge, cause).whenComplete((replies, e) -> settle(race, replies, e));
    try {
      workers.schedule(retry, policy.backoffNanos(next.size(), deadlineNanos));
    } catch (RejectedExecutionException e) {
      race.failed(cause); // the client is closing: no retry will run
    }
  }

  private void hedge(List<T> items, Set<String> next, Race race) {
    if (race.isDone() || deadlineNanos - System.nanoTime() <= 0) {
      return;
    }
    boolean someoneLeft = false;
    long now = System.nanoTime();
    for (Member m : workers.members()) {
      if (!next.contains(m.name()) && m.isAvailable(now)) { // no hedge to a worker down, held off or ejected
        someoneLeft = true;
        break;
      }
    }
    if (!someoneLeft || !policy.mayHedge()) {
      return;
    }
    race.started();
    fetch(items, next, false, null).whenComplete((replies, e) -> {
      if (e == null && !race.isDone()) {
        policy.hedgeWon();
      }
      settle(race, replies, e);
    });
  }

  private static void settle(Race race, List<Reply> replies, Throwable error) {
    if (error == null) {
      race.succeeded(replies);
    } else {
      race.failed(Futures.unwrap(error));
    }
  }

  /** All parts' replies, or the first failure once every part has finished (releasing the rest). */
  private static CompletableFuture<List<Reply>> all(List<CompletableFuture<List<Reply>>> futures) {
    return CompletableFuture.allOf(futures.stream().map(f -> f.handle((r, e) -> null)).toArray(CompletableFuture[]::new))
        .thenApply(ignored -> {
          Throwable failure = null;
          for (CompletableFuture<List<Reply>> f : futures) {
            if (f.isCompletedExceptionally()) {
              failure = f.handle((r, e) -> Futures.unwrap(e)).join();
              break;
            }
          }
          if (failure == null) {
            List<Reply> out = new ArrayList<>();
            futures.forEach(f -> out.addAll(f.join()));
            return out;
          }
          for (CompletableFuture<List<Reply>> f : futures) {
            if (!f.isCompletedExceptionally()) {
              f.join().forEach(Reply::release);
            }
          }
          throw new CompletionException(failure);
        });
  }

  /**
   * A timeout at or past the call's own deadline ends the call and says nothing about the worker:
   * the worker's typed DEADLINE_EXCEEDED was due at that very moment, and a busy machine makes it a
   * little late. Opening the breaker then would turn the caller's short deadline into UNAVAILABLE
   * for every concurrent call to a sole owner. An attempt timeout before the deadline still opens it.
   */
  private boolean endedByTheCallsDeadline(NeedleException e) {
    return e.code() == NeedleException.Code.DEADLINE_EXCEEDED && System.nanoTime() - deadlineNanos >= 0;
  }

  private static NeedleException deadlinePassed() {
    return new NeedleException(NeedleException.Code.DEADLINE_EXCEEDED, "the call's deadline passed");
  }
}
