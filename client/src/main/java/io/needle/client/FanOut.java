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
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * One routed call: items (a lookup's files, or the table of a describe) go to their rendezvous
 * owners, one request per owner, in parallel; the answer is every owner's reply.
 *
 * <p>Resilience, all inside the call's one deadline:
 * <ul>
 *   <li>An owner that fails retryably (connection lost or refused, UNAVAILABLE, no answer within
 *       the attempt timeout) is marked down and its items go again, each to its next owner in
 *       rendezvous order, excluding every worker this call already gave up on. Retries draw on
 *       the client's retry budget; non-retryable errors fail the call at once.</li>
 *   <li>With hedging on, an owner that has not answered after the hedge delay gets a twin
 *       request at the items' next owners, if the hedge budget allows; the first complete answer
 *       wins and the other's frames are released when they arrive.</li>
 * </ul>
 * Wrong rows cannot come of this: any worker serves any file, and an item's rows come from
 * exactly one winning reply.
 *
 * <p>Threading: callbacks run on the client's event loop; no locks but {@link Race}'s.
 */
final class FanOut<T> {
  private final NeedleClient client;
  private final ToLongFunction<T> keyHash;
  private final Function<List<T>, Request.Builder> requestFor;
  private final long deadlineNanos;
  private final boolean hedged;

  FanOut(NeedleClient client, ToLongFunction<T> keyHash, Function<List<T>, Request.Builder> requestFor,
      long deadlineNanos, boolean hedged) {
    this.client = client;
    this.keyHash = keyHash;
    this.requestFor = requestFor;
    this.deadlineNanos = deadlineNanos;
    this.hedged = hedged;
  }

  /** Every owner's reply; the caller releases them. */
  CompletableFuture<List<Reply>> run(List<T> items) {
    client.retryBudget().deposit();
    client.hedgeBudget().deposit();
    return fetch(items, Set.of(), hedged, null);
  }

  private CompletableFuture<List<Reply>> fetch(List<T> items, Set<String> excluded, boolean mayHedge, Throwable why) {
    long now = System.nanoTime();
    List<Member> members = client.membership().members();
    Map<Member, List<T>> parts = new LinkedHashMap<>();
    for (T item : items) {
      Member owner = Rendezvous.owner(members, keyHash.applyAsLong(item), excluded, now);
      if (owner == null) {
        if (members.isEmpty() && client.membership().refusal() != null) {
          return CompletableFuture.failedFuture(client.membership().refusal());
        }
        String message = members.isEmpty() ? "no workers known (membership: " + client.membershipDescription() + ")"
            : "no worker left to try among " + members + (why == null ? "" : " after: " + why.getMessage());
        return CompletableFuture.failedFuture(new NeedleException(NeedleException.Code.UNAVAILABLE, message, why));
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
      long delay = client.hedgeDelayNanos();
      if (delay >= 0) {
        var timer = client.scheduler().schedule(() -> hedge(items, next, race), delay, TimeUnit.NANOSECONDS);
        race.result().whenComplete((replies, error) -> timer.cancel(false)); // no dead timers piling up
      }
    }
    return race.result();
  }

  private void attempt(Member owner, List<T> items, Set<String> next, boolean mayHedge, Race race) {
    long start = System.nanoTime();
    long remaining = deadlineNanos - start;
    if (remaining <= 0) {
      race.started();
      race.failed(deadlinePassed());
      return;
    }
    race.started();
    Duration timeout = Duration.ofNanos(Math.min(remaining, client.attemptTimeoutNanos()));
    client.send(owner, requestFor.apply(items), timeout).whenComplete((reply, error) -> {
      if (error == null) {
        owner.succeeded();
        if (hedged) {
          client.recordLatency(System.nanoTime() - start);
        }
        race.succeeded(List.of(reply));
        return;
      }
      Throwable cause = unwrap(error);
      if (!(cause instanceof NeedleException ne) || !ne.isRetryable() || ne.isSourceFailure()) {
        if (cause instanceof NeedleException ne && ne.isSourceFailure()) {
          owner.succeeded(); // it answered: the worker is fine, its source is not
        }
        race.failNow(cause);
        return;
      }
      client.membership().failed(owner);
      if (!race.isDone() && !race.othersPending() && deadlineNanos - System.nanoTime() > 0
          && client.retryBudget().tryWithdraw(System.nanoTime())) {
        client.counters().retries.increment();
        race.started();
        fetch(items, next, mayHedge, cause).whenComplete((replies, e) -> settle(race, replies, e));
      } else if (!race.isDone() && !race.othersPending()) {
        client.counters().retriesDenied.increment();
      }
      race.failed(cause);
    });
  }

  private void hedge(List<T> items, Set<String> next, Race race) {
    if (race.isDone() || deadlineNanos - System.nanoTime() <= 0) {
      return;
    }
    boolean someoneLeft = false;
    for (Member m : client.membership().members()) {
      if (!next.contains(m.name())) {
        someoneLeft = true;
        break;
      }
    }
    if (!someoneLeft) {
      return;
    }
    if (!client.hedgeBudget().tryWithdraw(System.nanoTime())) {
      client.counters().hedgesDenied.increment();
      return;
    }
    client.counters().hedges.increment();
    race.started();
    fetch(items, next, false, null).whenComplete((replies, e) -> {
      if (e == null && !race.isDone()) {
        client.counters().hedgesWon.increment(); // counted a little generously: a tie is a win
      }
      settle(race, replies, e);
    });
  }

  private static void settle(Race race, List<Reply> replies, Throwable error) {
    if (error == null) {
      race.succeeded(replies);
    } else {
      race.failed(unwrap(error));
    }
  }

  /** All parts' replies, or the first failure once every part has finished (releasing the rest). */
  private static CompletableFuture<List<Reply>> all(List<CompletableFuture<List<Reply>>> futures) {
    return CompletableFuture.allOf(futures.stream().map(f -> f.handle((r, e) -> null)).toArray(CompletableFuture[]::new))
        .thenApply(ignored -> {
          Throwable failure = null;
          for (CompletableFuture<List<Reply>> f : futures) {
            if (f.isCompletedExceptionally()) {
              failure = f.handle((r, e) -> unwrap(e)).join();
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

  private NeedleException deadlinePassed() {
    return new NeedleException(NeedleException.Code.DEADLINE_EXCEEDED, "the call's deadline passed");
  }

  static Throwable unwrap(Throwable t) {
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
