package io.needle.bench.jmh;

import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.bench.harness.Workload;
import io.needle.client.LookupStages;
import io.needle.client.NeedleClient;
import io.needle.client.Table;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Bytes the client allocates per warm one-key, twelve-column lookup, counted on the calling
 * thread ({@code ThreadMXBean}), and the client's own decode and decompress time per lookup
 * ({@link NeedleClient#stages}), with an in-process worker on loopback over a {@code needle gen}
 * table of 200,000 rows in 2 files. Two transports: the blocking socket (heap frames) and Netty
 * (pooled, direct frames). A synchronous lookup runs every client stage on the caller's thread
 * (with Netty the frame is cut on the client's event loop; its allocation is not counted here),
 * so a per-thread count is the client's own whatever the machine's load, where JMH's
 * {@code -prof gc} reads a JVM-wide counter shared with the worker in this JVM.
 *
 * <p>Uses only the client's public API, so the same file measures an older commit.
 *
 * <p>Run: {@code java <needle JVM flags> -cp "bench-cli/target/lib/*" io.needle.bench.jmh.ClientAllocation [calls]}
 */
public final class ClientAllocation {
  private ClientAllocation() {}

  public static void main(String[] args) throws Exception {
    int calls = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    long rows = 200_000;
    Path dir = Files.createTempDirectory("needle-client-alloc-");
    FeatureTable gen = new FeatureTable(GenOptions.defaults(rows, 2));
    gen.write(dir);
    Worker worker = Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(dir)));
    try {
      SplittableRandom r = new SplittableRandom(1);
      long[] keys = new long[4096];
      for (int i = 0; i < keys.length; i++) {
        keys[i] = gen.keyAt(r.nextLong(rows));
      }
      for (boolean blocking : new boolean[] {true, false}) {
        try (NeedleClient client = NeedleClient.builder().workers(List.of("127.0.0.1:" + worker.address().getPort()))
            .blockingCalls(blocking).build()) {
          Table table = client.table(dir.toUri().toString(), FeatureTable.KEY_COLUMN);
          for (int round = 0; round < 3; round++) {
            for (int i = 0; i < calls; i++) { // warm-up: JIT, caches, pools
              lookup(table, keys[i & 4095]);
            }
            LookupStages before = client.stages();
            long bytes = threadBytes();
            long started = System.nanoTime();
            for (int i = 0; i < calls; i++) {
              lookup(table, keys[i & 4095]);
            }
            long nanos = System.nanoTime() - started;
            bytes = threadBytes() - bytes;
            LookupStages s = client.stages().minus(before);
            System.out.printf("%s round %d: %,d B per lookup on the calling thread, %.1f us per lookup, client decode %.1f us, "
                + "decompress %.1f us (%,d calls)%n", blocking ? "blocking" : "netty", round, bytes / calls,
                nanos / 1e3 / calls, s.meanMicros(s.decodeNanos()), s.meanMicros(s.decompressNanos()), calls);
          }
        }
      }
    } finally {
      worker.close();
      try (Stream<Path> paths = Files.walk(dir)) {
        for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  private static void lookup(Table table, long key) {
    if (table.lookup(key, Workload.FEATURE_COLUMNS).size() != 1) {
      throw new IllegalStateException("key " + key + " did not return its one row");
    }
  }

  private static long threadBytes() {
    return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
  }
}
