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

  @Option(names = "--root", required = true, description = "Directory (path or file:// URI) tables may be served from; repeatable.")
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

  @Option(names = "--debug-lookup-delay", hidden = true, defaultValue = "0ms",
      description = "Test hook: delay every lookup (plays a slow worker in the hedging benchmark).")
  Duration debugLookupDelay;

  @Override
  public Integer call() throws Exception {
    List<Path> paths = new ArrayList<>();
    for (String root : roots) {
      paths.add(TableUris.localRoot(root));
    }
    String workerName = name != null ? name : System.getenv().getOrDefault("NEEDLE_WORKER_NAME", "");
    WorkerConfig config = WorkerConfig.defaults(bind, port, paths).withManifestTtl(manifestTtl).withName(workerName)
        .withDebugLookupDelay(debugLookupDelay);
    PageStoreConfig pageStore = cacheDir == null ? null : PageStoreConfig.of(cacheDir, Sizes.parseBytes(cacheSize));
    Worker worker = Worker.start(config, pageStore);
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
