package io.needle.bench.harness;

import static java.util.Objects.requireNonNull;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Drives a {@link LookupTarget} with a {@link LoadPlan} and records every call's latency.
 *
 * <p>Threading: {@code callers} platform threads share one atomic call counter; each records
 * into its own histogram and the histograms are merged at the end, so nothing on the timed path
 * is shared but that counter. Call {@code i} asks {@code keys[i % keys.length]} of the
 * {@link KeyCalls}.
 *
 * <p>Closed loop: a call's latency runs from just before the call to just after it. Open loop:
 * call {@code i} is due at {@link OpenLoopSchedule#intendedStartNanos}; a caller waits for that
 * instant (parking, then spinning for the last 50 µs) and the latency is charged from it.
 *
 * <p>Every call's row count is checked against what the table holds for its keys: a wrong answer
 * fails the run (a fast wrong system is not a result).
 */
public final class LoadDriver {
  private static final long SPIN_NANOS = 50_000;
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private LoadDriver() {}

  /** Observes progress; called from a caller thread, must be cheap. */
  public interface Progress {
    Progress NONE = done -> {};

    void completed(long callsDone);
  }

  public static RunResult run(LookupTarget target, KeyCalls keyCalls, LoadPlan plan, Progress progress)
      throws Exception {
    requireNonNull(target, "target is null");
    Object[][] keys = keyCalls.keys();
    int[] expectedRows = keyCalls.expectedRows();
    long calls = Math.min(plan.maxCalls(), target.maxCalls());
    long startNanos = System.nanoTime();
    long deadline = startNanos + plan.maxDuration().toNanos();
    OpenLoopSchedule schedule = plan.openLoop() ? OpenLoopSchedule.ofRate(startNanos, plan.ratePerSecond()) : null;
    AtomicLong next = new AtomicLong();
    AtomicLong done = new AtomicLong();
    AtomicLong rows = new AtomicLong();
    AtomicLong cpu = new AtomicLong();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<Histogram> parts = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    List<LookupTarget> callerTargets = new ArrayList<>();
    for (int c = 0; c < plan.callers(); c++) {
      Histogram h = Histograms.newNanos();
      parts.add(h);
      LookupTarget callerTarget = target.forCaller();
      callerTargets.add(callerTarget);
      Thread t = new Thread(() -> {
        long cpu0 = THREADS.getCurrentThreadCpuTime();
        try {
          long i;
          while (failure.get() == null && (i = next.getAndIncrement()) < calls) {
            int call = (int) (i % keys.length);
            Object[] k = keys[call];
            long begin;
            if (schedule != null) {
              begin = schedule.intendedStartNanos(i);
              if (begin >= deadline) {
                break;
              }
              awaitNanos(begin);
            } else {
              begin = System.nanoTime();
              if (begin >= deadline) {
                break;
              }
            }
            int found = callerTarget.lookup(k);
            long end = System.nanoTime();
            Histograms.record(h, end - begin);
            if (found != expectedRows[call]) {
              throw wrongAnswer(target, k, found, expectedRows[call]);
            }
            rows.addAndGet(found);
            progress.completed(done.incrementAndGet());
          }
        } catch (Throwable e) {
          failure.compareAndSet(null, e);
        } finally {
          cpu.addAndGet(THREADS.getCurrentThreadCpuTime() - cpu0);
        }
      }, "needle-bench-caller-" + c);
      threads.add(t);
    }
    for (Thread t : threads) {
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    long elapsed = System.nanoTime() - startNanos;
    for (LookupTarget t : callerTargets) {
      if (t != target) {
        t.close();
      }
    }
    if (failure.get() != null) {
      Throwable e = failure.get();
      if (e instanceof Exception ex) {
        throw ex;
      }
      throw new IllegalStateException(target.name() + " failed", e);
    }
    return new RunResult(Histograms.merge(parts), elapsed, cpu.get(), rows.get());
  }

  private static void awaitNanos(long instant) {
    long now;
    while ((now = System.nanoTime()) < instant - SPIN_NANOS) {
      LockSupport.parkNanos(instant - SPIN_NANOS - now);
    }
    while (System.nanoTime() < instant) {
      Thread.onSpinWait();
    }
  }

  private static IllegalStateException wrongAnswer(LookupTarget target, Object[] keys, int found, int expected) {
    String asked = keys.length == 1 ? String.valueOf(keys[0]) : keys.length + " keys from " + keys[0];
    return new IllegalStateException(target.name() + ": keys " + asked + " gave " + found + " rows, expected "
        + expected);
  }
}
