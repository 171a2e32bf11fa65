package io.needle.client;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Waiting for futures and taking their failures apart, the same way everywhere in the client. */
final class Futures {
  private Futures() {}

  /** The failure inside any layers of {@link CompletionException}. */
  static Throwable unwrap(Throwable t) {
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** Waits on the calling thread; a failure comes out as the exception a blocking API throws. */
  static <T> T await(CompletableFuture<T> future) {
    try {
      return future.get();
    } catch (ExecutionException e) {
      throw asThrown(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NeedleException(NeedleException.Code.UNAVAILABLE, "interrupted", e);
    }
  }

  /**
   * The same future, or, when the caller's thread is to carry the call ({@code onThisThread}),
   * a completed one after waiting here: stages chained on it then run on this thread too, never
   * on the event loop that completed the original.
   */
  static <T> CompletableFuture<T> settled(CompletableFuture<T> future, boolean onThisThread) {
    if (!onThisThread || future.isDone()) {
      return future;
    }
    try {
      return CompletableFuture.completedFuture(future.get());
    } catch (ExecutionException e) {
      return CompletableFuture.failedFuture(unwrap(e.getCause()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return CompletableFuture.failedFuture(new NeedleException(NeedleException.Code.UNAVAILABLE, "interrupted", e));
    }
  }

  /** Caller mistakes (null, bad argument) stay as they are; anything unexpected becomes INTERNAL. */
  private static RuntimeException asThrown(Throwable cause) {
    Throwable t = unwrap(cause);
    if (t instanceof NeedleException ne) {
      return ne;
    }
    if (t instanceof IllegalArgumentException || t instanceof NullPointerException) {
      return (RuntimeException) t;
    }
    return new NeedleException(NeedleException.Code.INTERNAL, String.valueOf(t), t);
  }
}
