package io.needle.worker;

import io.needle.metadata.FileVersion;
import io.needle.protocol.proto.HealthResponse;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a worker tells the cluster about itself: its stable name, whether it is draining, its load
 * (requests in flight over all connections) and which file versions it has served.
 *
 * <p>Threading: shared by every connection's event loop and the shutdown thread; all state is
 * atomic or concurrent. The served set holds one entry per distinct file version (its canonical
 * path, never the table URI as a client spelled it, which any client can vary at will) a worker
 * ever answers, and stops growing at {@link #MAX_SERVED}; it exists so that tests and operators
 * can check that rendezvous routing sends each file to one worker only.
 */
final class WorkerStatus {
  static final int MAX_SERVED = 100_000;

  private volatile String name = "";
  private final AtomicInteger inFlight = new AtomicInteger();
  // Versions, not their strings: asked on every answer, and a version's hash reuses its path's.
  private final Set<FileVersion> servedFileVersions = ConcurrentHashMap.newKeySet();
  private volatile boolean draining;
  private volatile boolean refusing;
  private final java.util.concurrent.atomic.AtomicLong dropped = new java.util.concurrent.atomic.AtomicLong();

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

  /** Not ready from now on: health says so, but requests are still served (see {@link #startRefusing}). */
  void startDraining() {
    draining = true;
  }

  /** True once new requests are answered UNAVAILABLE: the end of a drain. */
  boolean refusing() {
    return refusing;
  }

  void startRefusing() {
    draining = true;
    refusing = true;
  }

  void requestStarted() {
    inFlight.incrementAndGet();
  }

  void requestFinished() {
    inFlight.decrementAndGet();
  }

  /** Counts a request whose queued work was dropped (deadline passed, connection closed). */
  void dropped() {
    dropped.incrementAndGet();
  }

  long droppedRequests() {
    return dropped.get();
  }

  int inFlight() {
    return inFlight.get();
  }

  void served(List<FileVersion> versions) {
    for (FileVersion v : versions) {
      if (servedFileVersions.size() < MAX_SERVED) {
        servedFileVersions.add(v);
      }
    }
  }

  /** Snapshot of the served set, each entry {@code canonical path \n version}. */
  Set<String> servedFileVersions() {
    Set<String> out = new java.util.HashSet<>();
    for (FileVersion v : servedFileVersions) {
      out.add(v.path() + '\n' + v.wireToken());
    }
    return Set.copyOf(out);
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
