package io.needle.worker;

import io.needle.pagestore.PageHandle;
import io.needle.pagestore.PageKey;
import io.needle.pagestore.PageStore;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads of the page store's hits, bounded in time once the disk under the store turns slow
 * (RELIABILITY.md T05).
 *
 * <p>Normally a hit's record header is checked, and later its bytes copied from the mapped region
 * file, on the event loop: no hand-off, the cheapest path. But a read of mapped memory cannot be
 * interrupted, so a stalling disk stalls the loop and every connection on it. So each read on the
 * loop is timed, and one over {@link #SLOW_READ_NANOS} flags the store slow. While it is flagged,
 * hits are read and copied on a pool of their own ({@link #THREADS} threads, a bounded queue: a
 * stalled disk holds those threads, never the loop or the loader), and a page whose copy is not
 * done within the same bound (or the request's deadline, if sooner) is read from the source
 * instead: the origin answers. A read on the pool that is fast again counts towards clearing the
 * flag; {@link #CLEAR_AFTER} in a row clear it, and hits go back to the loop.
 *
 * <p>While the store is flagged, lookups are planned without key indexes ({@link KeyIndexes}),
 * whose blocks would be read on the loop. What this does not bound: the read that finds the disk
 * slow has already stalled its loop (once per slow episode: the flag keeps later reads off the
 * loop), and so may a key-index read before it (not timed); re-paged pages, which exist only in
 * the store, are still read on the loop (timed, so they flag it too).
 *
 * <p>Threading: safe from any thread; the flag is volatile, counters are adders.
 */
final class StoreReads implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StoreReads.class);
  /** A read slower than this flags the store: far above a page-cache or NVMe read, far below a stall that hurts. */
  static final long SLOW_READ_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  static final int THREADS = 2;
  /** Copies waiting for the pool, at most; past it the source answers at once. */
  static final int QUEUE = 256;
  static final int CLEAR_AFTER = 3;
  /** What a copy completes with when the store does not hold the page at that length: no read to wait for. */
  private static final PageCache.Fetched ABSENT = new PageCache.Fetched(new byte[0], 0);

  private final PageStore store;
  private final long boundNanos;
  private final ThreadPoolExecutor pool;
  private final AtomicInteger fastInARow = new AtomicInteger();
  private final LongAdder slowEpisodes = new LongAdder();
  private final LongAdder slowReads = new LongAdder();
  private final LongAdder copiedOffLoop = new LongAdder();
  private final LongAdder toSource = new LongAdder();
  private volatile boolean slow;

  StoreReads(PageStore store) {
    this(store, SLOW_READ_NANOS);
  }

  /** @param boundNanos what a slow read is, and how long a copy may take off the loop (tests) */
  StoreReads(PageStore store, long boundNanos) {
    this.store = store;
    this.boundNanos = boundNanos;
    AtomicInteger n = new AtomicInteger();
    this.pool = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE), r -> {
      Thread t = new Thread(r, "needle-store-reader-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    pool.allowCoreThreadTimeOut(true);
  }

  /** Whether hits are read off the event loop now. */
  boolean slow() {
    return slow;
  }

  /** A hit read where the caller is (the event loop), timed: a slow one flags the store. */
  PageHandle onLoop(PageKey key) {
    long start = System.nanoTime();
    PageHandle hit = store.get(key);
    if (hit != null) {
      timed(System.nanoTime() - start);
    }
    return hit;
  }

  /**
   * A copy of a stored page read on the pool, or null when the store does not have it at that
   * length, or the copy was not done within the bound (or {@code deadline}): then the caller
   * reads the page from the source. Never completes on the caller's thread with a store read.
   */
  CompletableFuture<PageCache.Fetched> offLoop(PageKey key, int length, Deadline deadline) {
    CompletableFuture<PageCache.Fetched> copy = new CompletableFuture<>();
    long wait = boundNanos;
    if (deadline.bounded()) {
      wait = Math.max(0, Math.min(wait, deadline.remainingNanos()));
    }
    try {
      pool.execute(() -> copy(key, length, copy));
    } catch (RejectedExecutionException e) { // every reader stalled and the queue full, or closing
      toSource.increment();
      copy.complete(null);
      return copy;
    }
    copy.completeOnTimeout(null, wait, TimeUnit.NANOSECONDS);
    return copy.thenApply(fetched -> {
      if (fetched == null) {
        toSource.increment(); // the bound passed first
      }
      return fetched == ABSENT ? null : fetched;
    });
  }

  private void copy(PageKey key, int length, CompletableFuture<PageCache.Fetched> copy) {
    if (copy.isDone()) {
      return; // its bound passed while it queued: the source answers, and the disk is spared a read
    }
    long start = System.nanoTime();
    PageHandle hit = store.get(key);
    if (hit == null) {
      copy.complete(ABSENT);
      return;
    }
    try {
      PageCache.Fetched fetched = null;
      if (hit.length() == length) {
        byte[] bytes = new byte[length];
        hit.slice().get(bytes);
        fetched = new PageCache.Fetched(bytes, hit.crc32c());
      }
      timed(System.nanoTime() - start);
      if (fetched == null) {
        copy.complete(ABSENT);
      } else {
        copiedOffLoop.increment(); // before the copy is handed on, so a waiter that sees it sees the count
        if (!copy.complete(fetched)) {
          copiedOffLoop.decrement(); // the bound passed first: the copy is not used
        }
      }
    } catch (RuntimeException | InternalError e) { // an unusable map, a fault under a mapped read
      log.debug("copying a stored page off the loop failed: {}", e.toString());
      copy.complete(ABSENT);
    } finally {
      hit.release();
    }
  }

  private void timed(long nanos) {
    if (nanos > boundNanos) {
      fastInARow.set(0);
      slowReads.increment();
      if (!slow) {
        slow = true;
        slowEpisodes.increment();
        log.warn("page store read took {} ms (bound {} ms): hits are read off the event loop, the source answers "
            + "those not read in time", nanos / 1_000_000, boundNanos / 1_000_000);
      }
    } else if (slow && fastInARow.incrementAndGet() >= CLEAR_AFTER) {
      slow = false;
      log.info("page store reads are fast again: hits are read on the event loop");
    }
  }

  /** Times the store was flagged slow. */
  long slowEpisodes() {
    return slowEpisodes.sum();
  }

  /** Store reads over the bound. */
  long slowReads() {
    return slowReads.sum();
  }

  /** Hits copied on the pool while the store was slow. */
  long copiedOffLoop() {
    return copiedOffLoop.sum();
  }

  /** Hits left to the source because the store did not read them within the bound (or could not take them). */
  long toSource() {
    return toSource.sum();
  }

  /** Readers busy now (approximate), and copies waiting for one. */
  int pending() {
    return pool.getActiveCount() + pool.getQueue().size();
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
