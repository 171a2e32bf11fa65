package io.needle.bench.jmh;

import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.metadata.FilePlan;
import io.needle.metadata.FileSource;
import io.needle.metadata.FileVersion;
import io.needle.metadata.Keys;
import io.needle.metadata.LookupSpec;
import io.needle.metadata.MetadataCache;
import io.needle.metadata.MetadataCacheConfig;
import io.needle.bench.harness.Workload;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The worker's planner on a warm metadata cache: key to row group, key page, row range, and the
 * overlapping page of each of the twelve feature columns, for one present and one absent key
 * (the absent one should stop at the bloom filter) in a 200,000-row file.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PlannerBenchmarks {
  private Path dir;
  private ExecutorService loader;
  private MetadataCache cache;
  private FileSource source;
  private FeatureTable gen;
  private long[] keys;
  private int next;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    dir = Files.createTempDirectory("needle-jmh-plan-");
    gen = new FeatureTable(GenOptions.defaults(200_000, 1));
    Path file = gen.write(dir).get(0);
    FileChannel ch = FileChannel.open(file);
    FileVersion version = new FileVersion(file.toString(), Files.size(file), "jmh");
    source = new FileSource() {
      @Override
      public FileVersion version() {
        return version;
      }

      @Override
      public void readFully(long position, ByteBuffer dst) throws IOException {
        while (dst.hasRemaining()) {
          int n = ch.read(dst, position);
          if (n < 0) {
            throw new EOFException(file + " at " + position);
          }
          position += n;
        }
      }
    };
    loader = Executors.newSingleThreadExecutor();
    cache = new MetadataCache(MetadataCacheConfig.defaults(), loader);
    SplittableRandom r = new SplittableRandom(1);
    keys = new long[1024];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = gen.keyAt(r.nextLong(200_000));
    }
    plan(keys[0]); // load the footer, indexes and bloom filter
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    loader.shutdownNow();
  }

  private FilePlan plan(long key) throws Exception {
    return cache.plan(source, new LookupSpec(FeatureTable.KEY_COLUMN, Keys.ofLongs(key), Workload.FEATURE_COLUMNS))
        .get();
  }

  @Benchmark
  public FilePlan presentKey() throws Exception {
    return plan(keys[next++ & 1023]);
  }

  @Benchmark
  public FilePlan absentKey() throws Exception {
    return plan(keys[next++ & 1023] + 1);
  }
}
