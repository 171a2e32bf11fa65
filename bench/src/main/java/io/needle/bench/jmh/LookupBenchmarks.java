package io.needle.bench.jmh;

import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.bench.harness.Workload;
import io.needle.client.NeedleClient;
import io.needle.client.Row;
import io.needle.client.Table;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * End-to-end warm lookups through an in-process worker on loopback: one key with the twelve
 * feature columns, one key with a single column, and a batch of 100 keys. The table is a
 * {@code needle gen} table of {@code rows} rows written to a temporary directory at setup.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {
    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED", "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED", "-Dchronicle.analytics.disable=true"})
public class LookupBenchmarks {
  @Param("200000")
  long rows;

  private Path dir;
  private FeatureTable gen;
  private Worker worker;
  private NeedleClient client;
  private Table table;
  private long[] keys;
  private List<List<Object>> batches;
  private int next;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    dir = Files.createTempDirectory("needle-jmh-");
    gen = new FeatureTable(GenOptions.defaults(rows, 2));
    gen.write(dir);
    worker = Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(dir)));
    client = NeedleClient.builder().workers(List.of("127.0.0.1:" + worker.address().getPort())).build();
    table = client.table(dir.toUri().toString(), FeatureTable.KEY_COLUMN);
    SplittableRandom r = new SplittableRandom(1);
    keys = new long[4096];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = gen.keyAt(r.nextLong(rows));
    }
    batches = new ArrayList<>();
    for (int b = 0; b < 64; b++) {
      List<Object> batch = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        batch.add(gen.keyAt(r.nextLong(rows)));
      }
      batches.add(batch);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    client.close();
    worker.close();
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private long nextKey() {
    return keys[next++ & (keys.length - 1)];
  }

  @Benchmark
  public List<Row> oneKeyTwelveColumns() {
    return table.lookup(nextKey(), Workload.FEATURE_COLUMNS);
  }

  @Benchmark
  public List<Row> oneKeyOneColumn() {
    return table.lookup(nextKey(), List.of("score"));
  }

  @Benchmark
  public Map<Object, List<Row>> batchOf100TwelveColumns() {
    return table.lookupAll(batches.get(next++ & 63), Workload.FEATURE_COLUMNS);
  }
}
