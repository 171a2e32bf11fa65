package io.needle.worker;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;

/**
 * The loader threads as seen by request work (file opens, listings): refuses a task once
 * {@code maxQueued} are waiting, and the request gets RESOURCE_EXHAUSTED. The pool's own queue
 * stays unbounded for the caches' maintenance and background listings, which must never be refused; request
 * work is further bounded by the worker's in-flight cap.
 */
final class LoaderQueue implements Executor {
  private final ThreadPoolExecutor pool;
  private final int maxQueued;

  LoaderQueue(ThreadPoolExecutor pool, int maxQueued) {
    this.pool = pool;
    this.maxQueued = maxQueued;
  }

  @Override
  public void execute(Runnable task) {
    if (pool.getQueue().size() >= maxQueued) {
      throw new RejectedExecutionException("worker busy: " + maxQueued + " loads queued");
    }
    pool.execute(task);
  }

  int queued() {
    return pool.getQueue().size();
  }
}
