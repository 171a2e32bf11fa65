package io.needle.testing.cluster;

import io.needle.client.NeedleClient;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

/** Named workers on loopback ports in this JVM, and clients over all of them. */
final class InProcessCluster implements AutoCloseable {
  final List<Worker> workers = new ArrayList<>();

  private InProcessCluster() {}

  static InProcessCluster start(int count, Path root) throws Exception {
    return start(count, root, UnaryOperator.identity());
  }

  /** {@code tune} may adjust each worker's config (by name, e.g. to slow one down). */
  static InProcessCluster start(int count, Path root, UnaryOperator<WorkerConfig> tune) throws Exception {
    InProcessCluster cluster = new InProcessCluster();
    try {
      for (int i = 0; i < count; i++) {
        WorkerConfig config = WorkerConfig.defaults("127.0.0.1", 0, List.of(root)).withName("needle-" + i);
        cluster.workers.add(Worker.start(tune.apply(config)));
      }
    } catch (Exception e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  List<String> addresses() {
    List<String> out = new ArrayList<>();
    for (Worker w : workers) {
      out.add("127.0.0.1:" + w.address().getPort());
    }
    return out;
  }

  NeedleClient.Builder clientBuilder() {
    return NeedleClient.builder().workers(addresses()).requestTimeout(Duration.ofSeconds(30));
  }

  /** Every file version served by more than one worker (empty when routing never duplicated). */
  Set<String> servedByMoreThanOne() {
    Set<String> seen = new HashSet<>();
    Set<String> dup = new HashSet<>();
    for (Worker w : workers) {
      for (String fv : w.servedFileVersions()) {
        if (!seen.add(fv)) {
          dup.add(fv);
        }
      }
    }
    return dup;
  }

  @Override
  public void close() {
    for (Worker w : workers) {
      w.close();
    }
  }
}
