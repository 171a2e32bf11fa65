package io.needle.cli;

import io.needle.pagestore.PageStoreConfig;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

@Command(name = "serve", description = "Run a cache worker until interrupted; prints `ready HOST:PORT` once it accepts connections.")
final class ServeCommand implements Callable<Integer> {
  @Option(names = "--port", defaultValue = "7070", description = "TCP port (0 = any free port). Default: ${DEFAULT-VALUE}")
  int port;

  @Option(names = "--root", required = true, description = "Directory (path or file:// URI) or s3://bucket/prefix "
      + "tables may be served from; repeatable.")
  List<String> roots;

  @Option(names = "--bind", defaultValue = "127.0.0.1", description = "Address to listen on. Default: ${DEFAULT-VALUE}")
  String bind;

  @Option(names = "--manifest-ttl", defaultValue = "2s", description = "How long a table's file list is trusted. Default: ${DEFAULT-VALUE}")
  Duration manifestTtl;

  @Option(names = "--name", description = "Stable worker name clients route by (in Kubernetes the StatefulSet pod name). "
      + "Default: $NEEDLE_WORKER_NAME, else bind address:port.")
  String name;

  @Option(names = "--health-port", defaultValue = "-1", description = "HTTP port for /livez and /readyz probes "
      + "(-1 = none, 0 = any free port). Default: ${DEFAULT-VALUE}")
  int healthPort;

  @Option(names = "--drain-grace", defaultValue = "20s", description = "On SIGTERM: stop accepting, let in-flight "
      + "requests finish for at most this long, then exit. Default: ${DEFAULT-VALUE}")
  Duration drainGrace;

  @Option(names = "--cache-dir", description = "Directory of the page store (local NVMe): pages are kept there, sent "
      + "zero-copy with a CRC32C, and survive restarts. Default: none (pages come straight from the source files).")
  Path cacheDir;

  @Option(names = "--cache-size", defaultValue = "1g", description = "Capacity of the page store, a hard bound "
      + "(e.g. 512m, 20g). Default: ${DEFAULT-VALUE}")
  String cacheSize;

  @Option(names = "--s3-endpoint", description = "S3 endpoint URL (S3-compatible stores). Default: "
      + "$AWS_ENDPOINT_URL_S3, else $AWS_ENDPOINT_URL, else AWS.")
  String s3Endpoint;

  @Option(names = "--s3-path-style", description = "Path-style S3 addressing (most S3-compatible stores need it).")
  boolean s3PathStyle;

  @Option(names = "--s3-region", description = "S3 region. Default: $AWS_REGION, else $AWS_DEFAULT_REGION, else us-east-1.")
  String s3Region;

  @Option(names = "--s3-connect-timeout", defaultValue = "2s", description = "S3 TCP connect timeout. Default: ${DEFAULT-VALUE}")
  Duration s3ConnectTimeout;

  @Option(names = "--s3-attempt-timeout", defaultValue = "5s", description = "Bound on one S3 HTTP attempt. Default: ${DEFAULT-VALUE}")
  Duration s3AttemptTimeout;

  @Option(names = "--s3-call-timeout", defaultValue = "15s", description = "Bound on one S3 call with its retries. "
      + "Default: ${DEFAULT-VALUE}")
  Duration s3CallTimeout;

  @Option(names = "--s3-max-concurrency", defaultValue = "64", description = "Concurrent S3 requests, at most. "
      + "Default: ${DEFAULT-VALUE}")
  int s3MaxConcurrency;

  @Option(names = "--s3-prefetch-metadata", defaultValue = "true", negatable = true, fallbackValue = "true",
      description = "Load every file's footer and indexes when an S3 table is first listed. Default: ${DEFAULT-VALUE}")
  boolean s3PrefetchMetadata;

  @Option(names = "--repage", defaultValue = "true", negatable = true, fallbackValue = "true",
      description = "With a page store: rewrite column chunks whose pages are over 64 KiB into small pages, stored "
          + "in the page store, and serve those (the files are untouched). Default: ${DEFAULT-VALUE}")
  boolean repage;

  @Option(names = "--debug-lookup-delay", hidden = true, defaultValue = "0ms",
      description = "Test hook: delay every lookup (plays a slow worker in the hedging benchmark).")
  Duration debugLookupDelay;

  /** The S3 settings from the flags and the standard AWS environment (credentials: the SDK's default chain). */
  private io.needle.worker.S3Config s3Config(List<java.net.URI> s3Roots) {
    java.util.Map<String, String> env = System.getenv();
    String region = s3Region != null ? s3Region : env.getOrDefault("AWS_REGION", env.getOrDefault("AWS_DEFAULT_REGION", "us-east-1"));
    String endpoint = s3Endpoint != null ? s3Endpoint : env.getOrDefault("AWS_ENDPOINT_URL_S3", env.get("AWS_ENDPOINT_URL"));
    io.needle.worker.S3Config c = io.needle.worker.S3Config.defaults(s3Roots, region)
        .withEndpoint(endpoint == null || endpoint.isBlank() ? null : java.net.URI.create(endpoint), s3PathStyle)
        .withTimeouts(s3ConnectTimeout, s3AttemptTimeout, s3CallTimeout, 3)
        .withPrefetchMetadata(s3PrefetchMetadata);
    return new io.needle.worker.S3Config(c.roots(), c.endpoint(), c.region(), c.pathStyle(), null, null,
        c.connectTimeout(), c.attemptTimeout(), c.callTimeout(), s3MaxConcurrency, c.maxRetries(), c.coalesceGapBytes(),
        c.prefetchMetadata());
  }

  @Override
  public Integer call() throws Exception {
    List<Path> paths = new ArrayList<>();
    List<java.net.URI> s3Roots = new ArrayList<>();
    for (String root : roots) {
      if (root.regionMatches(true, 0, "s3://", 0, 5)) {
        s3Roots.add(java.net.URI.create(root));
      } else {
        paths.add(TableUris.localRoot(root));
      }
    }
    io.needle.worker.S3Config s3 = s3Roots.isEmpty() ? null : s3Config(s3Roots);
    if (s3 != null && cacheDir == null) {
      // S3 tables are always served through the page store: without --cache-dir, a fresh temporary one.
      cacheDir = java.nio.file.Files.createTempDirectory("needle-cache-");
      System.err.println("S3 roots need a page store; using the temporary cache directory " + cacheDir
          + " (give --cache-dir to keep pages across restarts)");
    }
    String workerName = name != null ? name : System.getenv().getOrDefault("NEEDLE_WORKER_NAME", "");
    WorkerConfig config = WorkerConfig.defaults(bind, port, paths).withManifestTtl(manifestTtl).withName(workerName)
        .withDebugLookupDelay(debugLookupDelay);
    PageStoreConfig pageStore = cacheDir == null ? null : PageStoreConfig.of(cacheDir, Sizes.parseBytes(cacheSize));
    Worker worker = Worker.start(config, pageStore, s3, io.needle.worker.RepagingConfig.defaults().withEnabled(repage));
    HealthEndpoint health = healthPort >= 0 ? HealthEndpoint.start(bind, healthPort, worker) : null;
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        worker.drain(drainGrace); // SIGTERM: not ready, refuse new work, finish in-flight, close
      } catch (InterruptedException e) {
        worker.close();
        Thread.currentThread().interrupt();
      } finally {
        if (health != null) {
          health.close();
        }
        stopped.countDown();
      }
    }, "needle-shutdown"));
    System.out.println("ready " + worker.address().getHostString() + ":" + worker.address().getPort()
        + " name " + worker.name() + (health == null ? "" : " health " + health.port()));
    System.out.flush();
    stopped.await();
    return 0;
  }
}
