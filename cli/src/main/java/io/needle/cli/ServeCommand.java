package io.needle.cli;

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

  @Override
  public Integer call() throws Exception {
    List<Path> paths = new ArrayList<>();
    for (String root : roots) {
      paths.add(TableUris.localRoot(root));
    }
    WorkerConfig config = WorkerConfig.defaults(bind, port, paths).withManifestTtl(manifestTtl);
    Worker worker = Worker.start(config);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      worker.close();
      stopped.countDown();
    }, "needle-shutdown"));
    System.out.println("ready " + worker.address().getHostString() + ":" + worker.address().getPort());
    System.out.flush();
    stopped.await();
    return 0;
  }
}
