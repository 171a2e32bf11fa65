package io.needle.client;

import io.needle.decode.DecodeException;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Runs the independent decode tasks of one large answer (its row groups) on the calling thread
 * and on the client's decode executor together: a batch of 100 random keys is ~40 row groups and
 * ~1,900 pages, and decoding them was over half of the call, on one core while the other idled.
 *
 * <p>How: tasks are claimed from a shared counter, so the caller never waits for a helper that
 * has not started (an executor whose threads are all busy, or the caller itself being its only
 * thread, only means the caller does every task); it then waits for the tasks helpers did claim.
 * Results stay in their task's slot, so the caller merges them in task order: the rows come out
 * in the same order as a sequential decode gives.
 */
final class ParallelDecode {
  /** Answers with fewer pages than this are decoded on the caller's thread alone. */
  static final int MIN_PAGES = 256;

  /** One task: decodes row group {@code i} into a result of its own. */
  interface Task<T> {
    T run(int i) throws DecodeException;
  }

  private ParallelDecode() {}

  /**
   * The results of tasks {@code 0..count-1}, by index.
   *
   * @param helpers threads of {@code executor} to ask for help (0: all on the caller's thread)
   * @throws DecodeException the first failure by task index
   */
  static <T> Object[] run(int count, int helpers, Executor executor, Task<T> task) throws DecodeException {
    Object[] results = new Object[count];
    AtomicReferenceArray<Throwable> failures = new AtomicReferenceArray<>(count);
    AtomicInteger next = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(count);
    Runnable drain = () -> {
      for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
        try {
          results[i] = task.run(i);
        } catch (Throwable t) {
          failures.set(i, t);
        } finally {
          done.countDown();
        }
      }
    };
    for (int h = 0; h < Math.min(helpers, count - 1); h++) {
      try {
        executor.execute(drain);
      } catch (RejectedExecutionException e) {
        break; // the caller does the rest
      }
    }
    drain.run();
    try {
      done.await(); // only tasks a helper already claimed are left: they are running
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NeedleException(NeedleException.Code.UNAVAILABLE, "interrupted while decoding", e);
    }
    for (int i = 0; i < count; i++) {
      Throwable t = failures.get(i);
      if (t instanceof DecodeException de) {
        throw de;
      }
      if (t instanceof RuntimeException re) {
        throw re;
      }
      if (t instanceof Error err) {
        throw err;
      }
    }
    return results;
  }
}
