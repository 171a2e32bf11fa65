package io.needle.testsupport;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntToLongFunction;

/**
 * One thread of back-to-back lookups of random keys until closed, for fault tests that keep a
 * load going while workers are killed, drained or flapped: counts the right answers, the wrong
 * ones and the failures (each lookup's exception, by message).
 */
public final class LookupLoad implements AutoCloseable {
  /** One lookup of {@code key}: whether its rows are right; a failed lookup throws. */
  @FunctionalInterface
  public interface Lookup {
    boolean rightRows(long key);
  }

  private final AtomicBoolean stop = new AtomicBoolean();
  private final AtomicLong ok = new AtomicLong();
  private final AtomicLong wrong = new AtomicLong();
  private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
  private final Thread thread;

  private LookupLoad(String name, long seed, int keys, IntToLongFunction keyAt, Lookup lookup) {
    thread = new Thread(() -> {
      SplittableRandom random = new SplittableRandom(seed);
      while (!stop.get()) {
        long key = keyAt.applyAsLong(random.nextInt(keys));
        try {
          (lookup.rightRows(key) ? ok : wrong).incrementAndGet();
        } catch (RuntimeException e) {
          failures.add(e.getMessage());
        }
      }
    }, name);
    thread.start();
  }

  /** Starts the load: keys {@code keyAt(0 .. keys-1)}, drawn by a random of {@code seed}. */
  public static LookupLoad start(String name, long seed, int keys, IntToLongFunction keyAt, Lookup lookup) {
    return new LookupLoad(name, seed, keys, keyAt, lookup);
  }

  public long ok() {
    return ok.get();
  }

  public long wrong() {
    return wrong.get();
  }

  public List<String> failures() {
    synchronized (failures) {
      return List.copyOf(failures);
    }
  }

  /**
   * Waits (at most 5 min: a give-up time, not a speed) until {@code target} lookups have been
   * right; fails the test if not. 60 s was too short at a load of 45 on 2 cores (292 of 300).
   */
  public void awaitOk(long target) throws InterruptedException {
    long end = System.nanoTime() + 300_000_000_000L;
    while (ok.get() < target && System.nanoTime() - end < 0 && thread.isAlive()) {
      Thread.sleep(10);
    }
    if (ok.get() < target) {
      throw new AssertionError("lookups done: " + ok.get() + ", expected at least " + target);
    }
  }

  @Override
  public void close() throws InterruptedException {
    stop.set(true);
    thread.join(30_000);
  }
}
