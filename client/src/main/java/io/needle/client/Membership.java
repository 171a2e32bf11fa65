package io.needle.client;

import io.needle.protocol.proto.HealthResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Who the workers are. Addresses come from a static list or from a DNS name re-resolved every
 * {@code refreshNanos} (a Kubernetes headless service: one A record per ready pod); each address
 * is asked for its name with the health RPC, and members are keyed by that name.
 *
 * <p>Invariants: at most one member per name; a member is dropped when its address is no longer
 * listed or now answers with another name (a reused pod IP), so a reused IP never inherits the
 * old pod's files. A listed address that does not answer keeps its member, breaker open, so that
 * its files fail over to their next owners rather than reshuffling everything.
 *
 * <p>Threading: one daemon scheduler thread runs the refresh (DNS resolution blocks), the
 * half-open probes of open breakers every {@code probeNanos} and the outlier sweeps; health replies complete on the
 * client's event loop. {@link #members()} is a volatile snapshot read by every call.
 */
final class Membership implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Membership.class);

  /** Where addresses come from. */
  interface Source {
    /** host:port strings; may block (DNS). */
    List<String> addresses() throws UnknownHostException;
  }

  static Source staticList(List<String> hostPorts) {
    List<String> copy = List.copyOf(hostPorts);
    return () -> copy;
  }

  /** Every A/AAAA record of {@code host}, each with {@code port}. */
  static Source dns(String host, int port) {
    return () -> {
      List<String> out = new ArrayList<>();
      for (InetAddress a : InetAddress.getAllByName(host)) {
        out.add(a.getHostAddress() + ":" + port);
      }
      return out;
    };
  }

  private final Source source;
  private final Function<String, CompletableFuture<HealthResponse>> prober;
  private final long breakerOpenNanos;
  private final ScheduledExecutorService timer;
  private final Map<String, Member> byName = new ConcurrentHashMap<>();
  private final CompletableFuture<Void> firstRefresh = new CompletableFuture<>();
  private volatile List<Member> members = List.of();
  private volatile NeedleException refusal; // the last refresh's UNAUTHENTICATED answer, if any
  private CompletableFuture<Void> asked; // the refresh a call without members asked for; guarded by this

  /** @param outliers null when outlier ejection is off */
  Membership(Source source, Function<String, CompletableFuture<HealthResponse>> prober, long refreshNanos,
      long probeNanos, long breakerOpenNanos, OutlierDetector outliers) {
    this.source = source;
    this.prober = prober;
    this.breakerOpenNanos = breakerOpenNanos;
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "needle-membership");
      t.setDaemon(true);
      return t;
    });
    timer.scheduleWithFixedDelay(this::refreshQuietly, 0, refreshNanos, TimeUnit.NANOSECONDS);
    timer.scheduleWithFixedDelay(this::probeOpenBreakers, probeNanos, probeNanos, TimeUnit.NANOSECONDS);
    if (outliers != null) {
      long every = outliers.intervalNanos();
      timer.scheduleWithFixedDelay(() -> outliers.sweep(members, System.nanoTime()), every, every, TimeUnit.NANOSECONDS);
    }
  }

  /** Completes once the first refresh has finished (whatever it found). */
  CompletableFuture<Void> ready() {
    return firstRefresh;
  }

  List<Member> members() {
    return members;
  }

  /**
   * A worker's refusal of this client's credentials at the last refresh, or null: when no
   * worker is known, this says why better than "no workers known".
   */
  NeedleException refusal() {
    return refusal;
  }

  /** A member failed a routed request: open its breaker. */
  void failed(Member m) {
    if (!m.isOpen()) {
      log.info("worker {} marked down", m);
    }
    m.failed(System.nanoTime());
  }

  /** Re-resolve now (e.g. after a connection found a different name at an address). */
  void refreshSoon() {
    timer.execute(this::refreshQuietly);
  }

  /**
   * A refresh asked for now: completes when it has finished, whatever it found. Callers that ask
   * while one is queued or running share it, so waiting calls cannot multiply health probes.
   */
  synchronized CompletableFuture<Void> refreshNow() {
    CompletableFuture<Void> pending = asked;
    if (pending != null && !pending.isDone()) {
      return pending;
    }
    CompletableFuture<Void> next = new CompletableFuture<>();
    asked = next;
    try {
      timer.execute(() -> {
        try {
          refreshQuietly();
        } finally {
          next.complete(null);
        }
      });
    } catch (RuntimeException closed) { // RejectedExecutionException: the client is closing
      next.complete(null);
    }
    return next;
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }

  private void refreshQuietly() {
    try {
      refresh().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("membership refresh failed: {}", e.toString());
    } finally {
      firstRefresh.complete(null);
    }
  }

  private CompletableFuture<Void> refresh() throws UnknownHostException {
    List<String> addresses = List.copyOf(new LinkedHashSet<>(source.addresses()));
    Map<String, CompletableFuture<HealthResponse>> probes = new HashMap<>();
    for (String a : addresses) {
      probes.put(a, prober.apply(a));
    }
    return CompletableFuture.allOf(probes.values().stream()
            .map(f -> f.handle((r, e) -> null)).toArray(CompletableFuture[]::new))
        .thenRun(() -> reconcile(addresses, probes));
  }

  private synchronized void reconcile(List<String> addresses, Map<String, CompletableFuture<HealthResponse>> probes) {
    long now = System.nanoTime();
    Set<String> keep = new LinkedHashSet<>();
    Set<String> silentAddresses = new LinkedHashSet<>();
    NeedleException refused = null;
    for (String a : addresses) {
      HealthResponse h = null;
      try {
        h = probes.get(a).join(); // complete: allOf above
      } catch (CompletionException | CancellationException e) {
        if (Futures.unwrap(e) instanceof NeedleException n && n.code() == NeedleException.Code.UNAUTHENTICATED) {
          refused = n;
        }
      }
      if (h == null || h.getWorkerName().isEmpty()) {
        silentAddresses.add(a);
        continue;
      }
      Member m = byName.computeIfAbsent(h.getWorkerName(), n -> {
        log.info("worker {} joined at {}", n, a);
        return new Member(n, Rendezvous.hash(n), a, breakerOpenNanos);
      });
      if (!m.address().equals(a)) {
        log.info("worker {} moved from {} to {}", m.name(), m.address(), a);
        m.address(a);
      }
      if (h.getReady()) {
        m.succeeded();
      } else {
        m.failed(now); // draining or starting: route around it
      }
      keep.add(m.name());
    }
    for (Member m : byName.values()) {
      if (!keep.contains(m.name()) && silentAddresses.contains(m.address())) {
        m.failed(now); // listed but silent: keep it, down, so its files fail over one by one
        keep.add(m.name());
      }
    }
    byName.keySet().removeIf(name -> {
      boolean gone = !keep.contains(name);
      if (gone) {
        log.info("worker {} left", name);
      }
      return gone;
    });
    members = List.copyOf(byName.values());
    refusal = refused;
  }

  private void probeOpenBreakers() {
    long now = System.nanoTime();
    for (Member m : members) {
      if (m.probeDue(now)) {
        String address = m.address();
        prober.apply(address).whenComplete((h, e) -> {
          if (e == null && h.getWorkerName().equals(m.name()) && h.getReady()) {
            log.info("worker {} is back", m);
            m.succeeded();
          } else {
            m.failed(System.nanoTime());
            if (e == null && !h.getWorkerName().equals(m.name())) {
              refreshSoon(); // another worker answers at that address now
            }
          }
        });
      }
    }
  }
}
