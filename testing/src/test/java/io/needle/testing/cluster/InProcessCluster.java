package io.needle.testing.cluster;

import io.needle.client.NeedleClient;
import io.needle.worker.RepagingConfig;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import io.needle.worker.WorkerSecurity;
import io.needle.worker.hooks.TestHooks;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/** Named workers on loopback ports in this JVM, and clients over all of them. */
final class InProcessCluster implements AutoCloseable {
  final List<Worker> workers = new ArrayList<>();

  private InProcessCluster() {}

  static InProcessCluster start(int count, Path root) throws Exception {
    return start(count, root, name -> TestHooks.NONE);
  }

  /** {@code hooks} gives each worker its test hooks by name (e.g. to slow one down). */
  static InProcessCluster start(int count, Path root, Function<String, TestHooks> hooks) throws Exception {
    InProcessCluster cluster = new InProcessCluster();
    try {
      for (int i = 0; i < count; i++) {
        String name = "needle-" + i;
        WorkerConfig config = WorkerConfig.defaults("127.0.0.1", 0, List.of(root)).withName(name);
        cluster.workers.add(Worker.start(config, null, null, WorkerSecurity.none(), RepagingConfig.defaults(),
            hooks.apply(name)));
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
