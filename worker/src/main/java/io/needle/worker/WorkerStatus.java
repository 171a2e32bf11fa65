package io.needle.worker;

import io.needle.protocol.proto.FileResult;
import io.needle.protocol.proto.HealthResponse;
import io.needle.protocol.proto.LookupResponse;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a worker tells the cluster about itself: its stable name, whether it is draining, its load
 * (requests in flight over all connections) and which file versions it has served.
 *
 * <p>Threading: shared by every connection's event loop and the shutdown thread; all state is
 * atomic or concurrent. The served set grows by one entry per distinct (table, path, version) a
 * worker ever answers, which is bounded by the tables under its roots; it exists so that tests
 * and operators can check that rendezvous routing sends each file to one worker only.
 */
final class WorkerStatus {
  private volatile String name = "";
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Set<String> servedFileVersions = ConcurrentHashMap.newKeySet();
  private volatile boolean draining;

  /** Set once, right after the server binds (the default name includes the bound port). */
  void name(String stableName) {
    this.name = stableName;
  }

  String name() {
    return name;
  }

  boolean draining() {
    return draining;
  }

  void startDraining() {
    draining = true;
  }

  void requestStarted() {
    inFlight.incrementAndGet();
  }

  void requestFinished() {
    inFlight.decrementAndGet();
  }

  int inFlight() {
    return inFlight.get();
  }

  void served(String tableUri, LookupResponse response) {
    for (FileResult f : response.getFilesList()) {
      servedFileVersions.add(tableUri + '\n' + f.getPath() + '\n' + f.getVersion());
    }
  }

  /** Snapshot of the served set, each entry {@code tableUri \n path \n version}. */
  Set<String> servedFileVersions() {
    return Set.copyOf(servedFileVersions);
  }

  HealthResponse health() {
    return HealthResponse.newBuilder()
        .setWorkerName(name)
        .setReady(!draining)
        .setDraining(draining)
        .setInFlight(Math.max(0, inFlight.get()))
        .setServedFileVersions(servedFileVersions.size())
        .build();
  }
}
