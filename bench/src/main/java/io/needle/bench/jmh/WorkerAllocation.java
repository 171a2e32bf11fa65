package io.needle.bench.jmh;

import java.lang.management.ManagementFactory;

/**
 * Bytes the worker allocates per warm lookup, counted per thread ({@code ThreadMXBean}) over the
 * worker's own threads while {@link WorkerPathBenchmarks}' caller runs present and absent keys.
 * JMH's {@code -prof gc} reads a JVM-wide counter, which on a loaded machine is dominated by
 * other threads (BENCHMARKS.md, issue 16); a per-thread count does not depend on the load.
 *
 * <p>Run: {@code java <needle JVM flags> -cp "bench-cli/target/lib/*" io.needle.bench.jmh.WorkerAllocation [calls]}
 */
public final class WorkerAllocation {
  private WorkerAllocation() {}

  public static void main(String[] args) throws Exception {
    int calls = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    WorkerPathBenchmarks bench = new WorkerPathBenchmarks();
    bench.setUp();
    try {
      for (int round = 0; round < 3; round++) {
        for (int i = 0; i < calls; i++) { // warm-up: JIT, caches, pools
          bench.presentKey();
          bench.absentKey();
        }
        long before = workerBytes();
        for (int i = 0; i < calls; i++) {
          bench.presentKey();
        }
        long present = workerBytes() - before;
        before = workerBytes();
        for (int i = 0; i < calls; i++) {
          bench.absentKey();
        }
        long absent = workerBytes() - before;
        System.out.printf("round %d: worker threads allocated %,d B per present-key lookup, %,d B per absent-key lookup (%,d calls each)%n",
            round, present / calls, absent / calls, calls);
      }
    } finally {
      bench.tearDown();
    }
  }

  /** Bytes allocated so far by every thread but this one (the caller): the worker's. */
  private static long workerBytes() {
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long self = Thread.currentThread().threadId();
    long sum = 0;
    for (long id : threads.getAllThreadIds()) {
      if (id != self) {
        sum += Math.max(0, threads.getThreadAllocatedBytes(id));
      }
    }
    return sum;
  }
}
