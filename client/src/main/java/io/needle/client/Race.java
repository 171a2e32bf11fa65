package io.needle.client;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Attempts at the same answer (a first request, its failover, its hedge): the first success
 * wins; a loser's replies are released as they arrive, so no frame leaks whoever finishes last.
 * Fails when every attempt has failed and none is pending, or at once on a non-retryable error.
 *
 * <p>Rule for callers: register a new attempt with {@link #started} before reporting the
 * failure that caused it, so the count of pending attempts never touches zero in between.
 */
final class Race {
  private final CompletableFuture<List<Reply>> result = new CompletableFuture<>();
  private int pending;
  private Throwable firstError;

  CompletableFuture<List<Reply>> result() {
    return result;
  }

  synchronized void started() {
    pending++;
  }

  /** True when another attempt than the caller's is still pending. */
  synchronized boolean othersPending() {
    return pending > 1;
  }

  boolean isDone() {
    return result.isDone();
  }

  void succeeded(List<Reply> replies) {
    synchronized (this) {
      pending--;
    }
    if (!result.complete(replies)) {
      replies.forEach(Reply::release);
    }
  }

  void failed(Throwable error) {
    Throwable report;
    synchronized (this) {
      pending--;
      if (firstError == null) {
        firstError = error;
      }
      report = pending == 0 ? firstError : null;
    }
    if (report != null) {
      result.completeExceptionally(report);
    }
  }

  /** A non-retryable error: the answer would be the same elsewhere. */
  void failNow(Throwable error) {
    synchronized (this) {
      pending--;
    }
    result.completeExceptionally(error);
  }
}
