package io.needle.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.needle.worker.Worker;
import io.needle.worker.WorkerMetrics;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * Plain-HTTP probes for Kubernetes, next to the binary protocol (kubelets speak HTTP, TCP or
 * gRPC, not Needle frames): {@code GET /livez} answers 200 while the process serves, {@code GET
 * /readyz} answers 200 while the worker takes requests and 503 once it drains, so the pod leaves
 * the Service endpoints (and the headless service's DNS) before it stops. {@code GET /metrics}
 * is the worker's counters in Prometheus text format (page store hits, misses, bytes, evictions,
 * admission rejections, corrupt pages, fill time). One daemon thread; a
 * probe costs a volatile read.
 */
final class HealthEndpoint implements AutoCloseable {
  private final HttpServer server;

  private HealthEndpoint(HttpServer server) {
    this.server = server;
  }

  static HealthEndpoint start(String bindHost, int port, Worker worker) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(bindHost, port), 16);
    server.createContext("/livez", exchange -> answer(exchange, 200, "live " + worker.name()));
    server.createContext("/readyz", exchange -> {
      boolean ready = !worker.draining();
      answer(exchange, ready ? 200 : 503, (ready ? "ready " : "draining ") + worker.name()
          + " in_flight=" + worker.inFlight());
    });
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    WorkerMetrics.bind(worker, metrics);
    server.createContext("/metrics", exchange -> answer(exchange, 200, metrics.scrape()));
    server.setExecutor(Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "needle-health-http");
      t.setDaemon(true);
      return t;
    }));
    server.start();
    return new HealthEndpoint(server);
  }

  int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
  }

  private static void answer(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = (body + "\n").getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
