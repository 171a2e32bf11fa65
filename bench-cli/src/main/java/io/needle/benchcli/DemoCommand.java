package io.needle.benchcli;

import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.bench.s3.LoopbackS3Server;
import io.needle.client.NeedleClient;
import io.needle.client.Row;
import io.needle.client.Table;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

@Command(name = "demo", mixinStandardHelpOptions = true, description = "Generate a table, start a worker on loopback, run random lookups, print latency percentiles.")
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--rows", defaultValue = "1000000", description = "Rows in the generated table. Default: ${DEFAULT-VALUE}")
  long rows;

  @Option(names = "--files", defaultValue = "4", description = "Files in the generated table. Default: ${DEFAULT-VALUE}")
  int files;

  @Option(names = "--lookups", defaultValue = "10000", description = "Measured lookups. Default: ${DEFAULT-VALUE}")
  int lookups;

  @Option(names = "--seed", defaultValue = "1", description = "Seed of the random keys. Default: ${DEFAULT-VALUE}")
  long seed;

  @Option(names = "--s3", description = "Serve the table from an embedded S3-protocol server on loopback "
      + "(s3://needle-demo/users) through the page store, and print the S3 requests made and the latency of "
      + "cold lookups (pages fetched from S3) apart from warm ones (pages in the store).")
  boolean s3;

  @Option(names = "--s3-latency", defaultValue = "20ms", description = "With --s3: the embedded server waits this "
      + "long before answering each request, to simulate S3 Standard's first-byte latency (0ms for none). "
      + "Default: ${DEFAULT-VALUE}")
  java.time.Duration s3Latency;

  @Override
  public Integer call() throws Exception {
    Path dir = Files.createTempDirectory("needle-demo-");
    try {
      return run(dir);
    } finally {
      deleteRecursively(dir);
    }
  }

  private int run(Path dir) throws Exception {
    long t0 = System.nanoTime();
    FeatureTable generator = new FeatureTable(GenOptions.defaults(rows, files));
    generator.write(dir);
    System.out.printf("generated %,d rows in %d files in %.1f s (%s)%n", rows, files, (System.nanoTime() - t0) / 1e9, dir);

    LoopbackS3Server s3Server = s3 ? new LoopbackS3Server("needle-demo", s3Latency) : null;
    String tableUri = dir.toUri().toString();
    Worker started;
    if (s3Server != null) {
      try (Stream<Path> listed = Files.list(dir)) {
        for (Path f : listed.filter(p -> p.toString().endsWith(".parquet")).toList()) {
          s3Server.put("users/" + f.getFileName(), f);
        }
      }
      tableUri = "s3://needle-demo/users";
      Path cache = Files.createDirectories(dir.resolve("_cache"));
      io.needle.worker.S3Config s3Config = io.needle.worker.S3Config.defaults(
              List.of(java.net.URI.create("s3://needle-demo/")), "us-east-1")
          .withEndpoint(s3Server.endpoint(), true)
          .withStaticCredentials("demo", "demo-secret-not-checked");
      try {
        started = Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of()),
            io.needle.pagestore.PageStoreConfig.of(cache, 256L << 20), s3Config);
      } catch (IOException | InterruptedException | RuntimeException e) {
        s3Server.close();
        throw e;
      }
      System.out.printf("embedded S3 server on %s serving %s; S3 latency is simulated: every request waits %d ms "
          + "on loopback%n", s3Server.endpoint(), tableUri, s3Latency.toMillis());
    } else {
      started = Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(dir)));
    }
    try (s3Server; Worker worker = started;
         NeedleClient client = NeedleClient.builder()
             // A cold lookup through S3 pays the simulated latency on each request it makes.
             .workers(List.of("127.0.0.1:" + worker.address().getPort()))
             .requestTimeout(java.time.Duration.ofSeconds(s3 ? 60 : 10)).build()) {
      System.out.printf("worker on %s (%s)%n", worker.address(), worker.usesEpoll() ? "epoll" : "nio");
      Table table = client.table(tableUri, FeatureTable.KEY_COLUMN);
      SplittableRandom random = new SplittableRandom(seed);
      int warmup = Math.min(2000, lookups);
      // With S3, a lookup is cold when it fetched from S3 (the GET count moved), else warm.
      Histogram cold = new Histogram(3_600_000_000L, 3);
      Histogram warm = new Histogram(3_600_000_000L, 3);
      for (int i = 0; i < warmup; i++) {
        long key = generator.keyAt(random.nextLong(rows));
        long gets = worker.s3GetRequests();
        long start = System.nanoTime();
        List<Row> result = table.lookup(key, List.of());
        (worker.s3GetRequests() != gets ? cold : warm).recordValue((System.nanoTime() - start) / 1000);
        check(generator, key, result);
      }
      Histogram latency = new Histogram(3_600_000_000L, 3);
      int found = 0;
      int absentAsked = 0;
      for (int i = 0; i < lookups; i++) {
        boolean absent = i % 10 == 9; // one lookup in ten asks for a key that is not there
        long key = absent ? generator.keyAt(random.nextLong(rows)) + 1 : generator.keyAt(random.nextLong(rows));
        long gets = worker.s3GetRequests();
        long start = System.nanoTime();
        List<Row> result = table.lookup(key, List.of());
        long micros = (System.nanoTime() - start) / 1000;
        latency.recordValue(micros);
        (worker.s3GetRequests() != gets ? cold : warm).recordValue(micros);
        check(generator, key, result);
        found += result.size();
        absentAsked += absent ? 1 : 0;
      }
      System.out.printf("%,d lookups (%d of absent keys), %,d rows found, all rows checked against the generator%n",
          lookups, absentAsked, found);
      System.out.printf("latency µs: p50 %d  p90 %d  p99 %d  max %d%n", latency.getValueAtPercentile(50),
          latency.getValueAtPercentile(90), latency.getValueAtPercentile(99), latency.getMaxValue());
      if (s3Server != null) {
        System.out.printf("S3 requests: %,d ranged GETs, %,d LIST pages (pages are fetched once, then served "
            + "from the page store)%n", worker.s3GetRequests(), worker.s3ListRequests());
        System.out.printf("cold lookups (fetched from S3), %,d: %s%n", cold.getTotalCount(), percentiles(cold));
        System.out.printf("warm lookups (page store only), %,d: %s%n", warm.getTotalCount(), percentiles(warm));
      }
      System.out.println("sample rows:");
      for (int i = 0; i < 3; i++) {
        long key = generator.keyAt(random.nextLong(rows));
        for (Row row : table.lookup(key, List.of("user_id", "country", "age", "score", "signup_date", "tags"))) {
          System.out.println("  " + row.toJson());
        }
      }
    }
    return 0;
  }

  private static String percentiles(Histogram h) {
    return h.getTotalCount() == 0 ? "none" : String.format("p50 %d  p90 %d  p99 %d  max %d µs",
        h.getValueAtPercentile(50), h.getValueAtPercentile(90), h.getValueAtPercentile(99), h.getMaxValue());
  }

  /** Every present key has exactly one row, equal to what the generator derives from the key. */
  private static void check(FeatureTable generator, long key, List<Row> rows) {
    boolean present = generator.contains(key);
    if (rows.size() != (present ? 1 : 0)) {
      throw new IllegalStateException("key " + key + ": expected " + (present ? 1 : 0) + " rows, got " + rows.size());
    }
    if (present && !rows.get(0).get("user_id").equals(key)) {
      throw new IllegalStateException("key " + key + ": wrong row " + rows.get(0).toJson());
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
