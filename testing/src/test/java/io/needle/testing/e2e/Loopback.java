package io.needle.testing.e2e;

import io.needle.client.NeedleClient;
import io.needle.client.Table;
import io.needle.embedded.EmbeddedConfig;
import io.needle.embedded.NeedleEmbedded;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A real worker on a loopback port and a real client connected to it; or, {@link #embedded},
 * the same client API answered by a worker in this process with no socket.
 */
final class Loopback implements AutoCloseable {
  /** How the shared conformance tests reach a worker: both must answer alike. */
  enum Mode { NETWORKED, EMBEDDED }

  final Worker worker;
  final NeedleClient client;

  private Loopback(Worker worker, NeedleClient client) {
    this.worker = worker;
    this.client = client;
  }

  static Loopback serve(Path... roots) throws Exception {
    return serve(WorkerConfig.defaults("127.0.0.1", 0, List.of(roots)));
  }

  static Loopback start(Mode mode, Path... roots) throws Exception {
    return mode == Mode.NETWORKED ? serve(roots) : embedded(roots);
  }

  /** Embedded mode: {@link NeedleEmbedded}, no worker socket ({@link #worker} is null). */
  static Loopback embedded(Path... roots) throws Exception {
    EmbeddedConfig config = EmbeddedConfig.of(List.of(roots));
    return new Loopback(null, NeedleEmbedded.open(new EmbeddedConfig(config.worker(), null, null,
        Duration.ofSeconds(30))));
  }

  static Loopback serve(WorkerConfig config) throws Exception {
    Worker worker = Worker.start(config);
    NeedleClient client = NeedleClient.builder()
        .workers(List.of("127.0.0.1:" + worker.address().getPort()))
        .requestTimeout(Duration.ofSeconds(30))
        .build();
    return new Loopback(worker, client);
  }

  String address() {
    return "127.0.0.1:" + worker.address().getPort();
  }

  Table table(Path dir, String keyColumn) {
    return client.table(dir.toUri().toString(), keyColumn);
  }

  @Override
  public void close() {
    client.close();
    if (worker != null) {
      worker.close();
    }
  }
}
