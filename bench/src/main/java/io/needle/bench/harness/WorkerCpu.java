package io.needle.bench.harness;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.HashSet;
import java.util.Set;

/**
 * The CPU time spent by an in-process worker's own threads.
 *
 * <p>How: {@link #beforeStart()} snapshots the live thread ids; {@link #afterStart()} names the
 * Netty event-loop group among the threads that appeared (the worker binds on one of its loops,
 * so that loop's thread exists by then). From then on the worker's threads are every thread
 * named like that group ({@code multiThreadIoEventLoopGroup-<pool>-<n>}, the later loops start
 * lazily) or {@code needle-loader-*}. The client's loop belongs to a group created later, with a
 * different pool number. GC and JIT threads are counted in neither side. The sum over those
 * threads of {@link ThreadMXBean#getThreadCpuTime} is exact per thread (Linux per-thread clock).
 */
public final class WorkerCpu {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private final Set<Long> before;
  private String loopPrefix;

  private WorkerCpu(Set<Long> before) {
    this.before = before;
  }

  public static WorkerCpu beforeStart() {
    Set<Long> ids = new HashSet<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      ids.add(t.threadId());
    }
    return new WorkerCpu(ids);
  }

  /** Identifies the worker's event-loop group; call right after {@code Worker.start}. */
  public WorkerCpu afterStart() {
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      String name = t.getName();
      int dash = name.lastIndexOf('-');
      if (!before.contains(t.threadId()) && name.contains("EventLoopGroup") && dash > 0) {
        loopPrefix = name.substring(0, dash + 1);
        return this;
      }
    }
    throw new IllegalStateException("no new event-loop thread after the worker started");
  }

  /** CPU nanoseconds spent so far by the worker's live threads. */
  public long cpuNanos() {
    long sum = 0;
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      String name = t.getName();
      if ((loopPrefix != null && name.startsWith(loopPrefix)) || name.startsWith("needle-loader-")) {
        long ns = THREADS.getThreadCpuTime(t.threadId());
        if (ns > 0) {
          sum += ns;
        }
      }
    }
    return sum;
  }
}
