package io.needle.cli;

import io.needle.metadata.MetadataCacheConfig;
import io.needle.pagestore.PageStoreConfig;
import io.needle.worker.AuthConfig;
import io.needle.worker.ServerAuth;
import io.needle.worker.ServerTls;
import io.needle.worker.TlsConfig;
import io.needle.worker.ServerLimits;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import io.needle.worker.WorkerSecurity;
import picocli.CommandLine.Command;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

@Command(name = "serve", mixinStandardHelpOptions = true, description = "Run a cache worker until interrupted "
    + "(SIGTERM drains); prints `ready HOST:PORT name NAME` once it accepts connections, and logs one start and one "
    + "stop line on stderr (NEEDLE_LOG_LEVEL, NEEDLE_LOG_FORMAT=json).")
final class ServeCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);

  @Option(names = "--port", defaultValue = "7070", description = "TCP port (0 = any free port). Default: ${DEFAULT-VALUE}")
  int port;

  @Option(names = "--root", required = true, description = "Directory (path or file:// URI) or s3://bucket/prefix "
      + "tables may be served from; repeatable.")
  List<String> roots;

  @Option(names = "--bind", defaultValue = "127.0.0.1", description = "Address to listen on. Default: ${DEFAULT-VALUE}")
  String bind;

  @Option(names = "--manifest-ttl", defaultValue = "2s", description = "How long a table's file list is trusted. Default: ${DEFAULT-VALUE}")
  Duration manifestTtl;

  @Option(names = "--iceberg-max-deleted-rows", defaultValue = "10000000", description = "The most deleted rows one "
      + "Iceberg snapshot may hold in memory (8 bytes each): a table over it answers RESOURCE_EXHAUSTED until it is "
      + "compacted. Default: ${DEFAULT-VALUE}")
  long icebergMaxDeletedRows;

  @Option(names = "--name", description = "Stable worker name clients route by (in Kubernetes the StatefulSet pod name). "
      + "Default: $NEEDLE_WORKER_NAME, else bind address:port.")
  String name;

  @Option(names = "--health-port", defaultValue = "-1", description = "HTTP port for the /livez and /readyz probes "
      + "and Prometheus /metrics (-1 = none, 0 = any free port). Default: ${DEFAULT-VALUE}")
  int healthPort;

  @Option(names = "--drain-grace", defaultValue = "20s", description = "On SIGTERM: stop accepting, let in-flight "
      + "requests finish for at most this long, then exit. Default: ${DEFAULT-VALUE}")
  Duration drainGrace;

  @Option(names = "--drain-delay", defaultValue = "0s", description = "On SIGTERM: report not ready at once but keep "
      + "serving this long (lookup and HTTP ports) before closing them and refusing new requests, while endpoints and clients learn of it (Kubernetes: a few "
      + "seconds; delay plus grace below the pod's grace period). Default: ${DEFAULT-VALUE}")
  Duration drainDelay;

  @Option(names = "--cache-dir", description = "Directory of the page store (local NVMe): pages are kept there, sent "
      + "zero-copy with a CRC32C, and survive restarts. Default: none (pages come straight from the source files).")
  Path cacheDir;

  @Option(names = "--cache-size", defaultValue = "1g", description = "Capacity of the page store, a hard bound "
      + "(e.g. 512m, 20g). Default: ${DEFAULT-VALUE}")
  String cacheSize;

  @Option(names = "--metadata-cache-size", defaultValue = "256m", description = "Heap for cached footers, column "
      + "and offset indexes and bloom filters (e.g. 256m, 2g); count it in the heap (-Xmx). Default: ${DEFAULT-VALUE}")
  String metadataCacheSize;

  @Option(names = "--max-open-files", defaultValue = "4096", description = "Local file versions kept open for "
      + "zero-copy sends; keep it under the process's descriptor limit (ulimit -n). Default: ${DEFAULT-VALUE}")
  int maxOpenFiles;

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

  @Option(names = "--tls-cert", description = "Serve TLS with this certificate chain (PEM); with --tls-key. Without "
      + "--tls-port, --port is TLS only and plaintext is refused. Reloaded when the file changes.")
  Path tlsCert;

  @Option(names = "--tls-key", description = "Private key of --tls-cert (PKCS#8 PEM, 'BEGIN PRIVATE KEY').")
  Path tlsKey;

  @Option(names = "--tls-client-ca", description = "Check client certificates (mTLS) against these CA certificates "
      + "(PEM); the identity is the certificate's URI SAN (SPIFFE ID) or DNS SAN. Required of every client unless "
      + "the --auth-policy defines tokens.")
  Path tlsClientCa;

  @Option(names = "--tls-port", defaultValue = "-1", description = "Serve TLS on this port (0 = any free port) and "
      + "keep --port in plaintext beside it. Default: TLS only on --port when --tls-cert is given.")
  int tlsPort;

  @Option(names = "--tls-reload-interval", defaultValue = "10s", description = "How often the TLS files are checked "
      + "for changes (new connections get the new certificate). Default: ${DEFAULT-VALUE}")
  Duration tlsReloadInterval;

  @Option(names = "--tls-handshake-timeout", defaultValue = "10s", description = "Close a connection whose TLS "
      + "handshake is not done this long after it was accepted. Default: ${DEFAULT-VALUE}")
  Duration tlsHandshakeTimeout;

  @Option(names = "--tls-provider", defaultValue = "auto", description = "auto (BoringSSL through netty-tcnative "
      + "when it loads, else the JDK's), openssl or jdk. Default: ${DEFAULT-VALUE}")
  String tlsProvider;

  @Option(names = "--http-tls", negatable = true, description = "Serve --http-port with TLS (the --tls-cert "
      + "certificate, --tls-client-ca client certificates) and refuse plaintext there. Default: on with --tls-cert.")
  Boolean httpTls;

  @Option(names = "--health-tls", description = "Serve --health-port with TLS (the --tls-cert certificate, no client "
      + "certificates asked: kubelet HTTPS probes work). Default: plaintext, for plain httpGet probes.")
  boolean healthTls;

  @Option(names = "--auth-policy", description = "Authenticate every client, on the lookup and HTTP ports, and allow "
      + "only what this YAML or JSON file grants (tokens as SHA-256 digests, table prefixes per identity); "
      + "everything else is denied. Reloaded when the file changes (see --auth-reload-interval).")
  Path authPolicy;

  @Option(names = "--auth-reload-interval", defaultValue = "10s", description = "How often the --auth-policy file "
      + "is checked for changes; a change that loads applies to the next request on every connection, one that "
      + "does not is logged and the old policy kept. Default: ${DEFAULT-VALUE}")
  Duration authReloadInterval;
  @Option(names = "--http-port", defaultValue = "-1", description = "HTTP/JSON port: POST /v1/lookup and Feast's "
      + "POST /get-online-features (-1 = none, 0 = any free port). Default: ${DEFAULT-VALUE}")
  int httpPort;

  @Option(names = "--feature-views", description = "JSON file mapping Feast feature views to tables: view name -> "
      + "{table, join_key, event_timestamp_column, features: {feature: column}} (see README).")
  Path featureViews;

  @Option(names = "--http-cluster", split = ",", description = "Every worker of the cluster, HOST:PORT (or "
      + "dns:NAME:PORT): HTTP calls then route files to their owners as the Java client does. Default: this "
      + "worker alone, called in-process.")
  List<String> httpCluster;

  @Option(names = "--max-connections", defaultValue = "10000", description = "Open lookup connections, over all "
      + "clients; more are closed at once. Keep under ulimit -n. Default: ${DEFAULT-VALUE}")
  int maxConnections;

  @Option(names = "--max-connections-per-address", defaultValue = "1000", description = "Open connections from one "
      + "client IP address. Default: ${DEFAULT-VALUE}")
  int maxConnectionsPerAddress;

  @Option(names = "--idle-timeout", defaultValue = "5m", description = "Close a connection with nothing in flight "
      + "and nothing received for this long. Default: ${DEFAULT-VALUE}")
  Duration idleTimeout;

  @Option(names = "--frame-timeout", defaultValue = "10s", description = "A request frame must arrive whole within "
      + "this long. Default: ${DEFAULT-VALUE}")
  Duration frameTimeout;

  @Option(names = "--write-stall-timeout", defaultValue = "60s", description = "Close a connection whose client "
      + "has read none of its answers for this long while over 1 MiB of them wait. Default: ${DEFAULT-VALUE}")
  Duration writeStallTimeout;

  @Option(names = "--max-buffered-request-bytes", defaultValue = "128m", description = "Request bytes buffered over "
      + "all connections beyond 16 KiB each (partial frames); the connection that would go over is closed. "
      + "Default: ${DEFAULT-VALUE}")
  String maxBufferedRequestBytes;

  @Option(names = "--max-in-flight", defaultValue = "10000", description = "Requests served at once over all "
      + "connections; more get RESOURCE_EXHAUSTED. Default: ${DEFAULT-VALUE}")
  int maxInFlight;

  @Option(names = "--max-in-flight-per-connection", defaultValue = "256", description = "Requests served at once "
      + "on one connection; the worker reads no further request from it until one ends. Default: ${DEFAULT-VALUE}")
  int maxInFlightPerConnection;

  @Option(names = "--max-queued-loads", defaultValue = "10000", description = "File opens and listings queued for "
      + "the loader threads; more get RESOURCE_EXHAUSTED. Default: ${DEFAULT-VALUE}")
  int maxQueuedLoads;

  @Option(names = "--repage", defaultValue = "true", negatable = true, fallbackValue = "true",
      description = "With a page store: rewrite column chunks whose pages are over 64 KiB into small pages, stored "
          + "in the page store, and serve those (the files are untouched). Default: ${DEFAULT-VALUE}")
  boolean repage;

  /** The S3 settings from the flags and the standard AWS environment (credentials: the SDK's default chain). */
  private io.needle.worker.S3Config s3Config(List<java.net.URI> s3Roots) {
    java.util.Map<String, String> env = System.getenv();
    String region = s3Region != null ? s3Region : env.getOrDefault("AWS_REGION", env.getOrDefault("AWS_DEFAULT_REGION", "us-east-1"));
    String endpoint = s3Endpoint != null ? s3Endpoint : env.getOrDefault("AWS_ENDPOINT_URL_S3", env.get("AWS_ENDPOINT_URL"));
    io.needle.worker.S3Config c = io.needle.worker.S3Config.defaults(s3Roots, region)
        .withEndpoint(endpoint == null || endpoint.isBlank() ? null : java.net.URI.create(endpoint), s3PathStyle)
        .withTimeouts(s3ConnectTimeout, s3AttemptTimeout, s3CallTimeout, io.needle.worker.S3Config.DEFAULT_MAX_RETRIES)
        .withPrefetchMetadata(s3PrefetchMetadata);
    return new io.needle.worker.S3Config(c.roots(), c.endpoint(), c.region(), c.pathStyle(), null, null,
        c.connectTimeout(), c.attemptTimeout(), c.callTimeout(), s3MaxConcurrency, c.maxRetries(), c.coalesceGapBytes(),
        c.prefetchMetadata());
  }

  /** The worker's TLS files as configured, or null without --tls-cert. */
  private TlsConfig tlsConfig() {
    return tlsCert == null ? null : TlsConfig.server(tlsCert, tlsKey).withReloadInterval(tlsReloadInterval)
        .withHandshakeTimeout(tlsHandshakeTimeout).withProvider(parseProvider());
  }

  private TlsConfig.Provider parseProvider() {
    try {
      return TlsConfig.Provider.valueOf(tlsProvider.trim().toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--tls-provider: unknown value '" + tlsProvider + "' (auto, openssl, jdk)");
    }
  }

  /** True when the HTTP port speaks TLS: by default whenever the worker has a certificate. */
  private boolean httpTls() {
    return httpTls != null ? httpTls : tlsCert != null;
  }

  /** TLS and client authentication from the flags, checked before anything binds. */
  private WorkerSecurity security() throws IOException {
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new IllegalArgumentException("--tls-cert and --tls-key go together");
    }
    if (tlsCert == null && (Boolean.TRUE.equals(httpTls) || healthTls)) {
      throw new IllegalArgumentException((healthTls ? "--health-tls" : "--http-tls") + " needs --tls-cert and --tls-key");
    }
    if (httpPort >= 0 && httpCluster != null && !httpCluster.isEmpty() && (tlsCert != null || authPolicy != null)) {
      // The HTTP port's client would call the other workers with no credentials of its own, and
      // their policy would see this worker, not the HTTP caller.
      throw new IllegalArgumentException("--http-cluster does not go with --tls-cert or --auth-policy yet: the HTTP "
          + "port calls the other workers without credentials; serve HTTP from each worker alone (no --http-cluster)");
    }
    if (tlsCert == null && (tlsClientCa != null || tlsPort >= 0)) {
      throw new IllegalArgumentException((tlsClientCa != null ? "--tls-client-ca" : "--tls-port")
          + " needs --tls-cert and --tls-key");
    }
    ServerAuth watched = authPolicy == null ? null : ServerAuth.watch(authPolicy, authReloadInterval);
    AuthConfig auth = watched == null ? null : watched.config(); // as at start: what the warnings and mTLS mode see
    if (httpPort >= 0 && auth != null && !auth.tokens().isEmpty() && !httpTls()) {
      System.err.println("warning: tokens are checked on a plaintext HTTP port: anyone on the network path can read "
          + "them (leave out --no-http-tls)");
    }
    if (tlsCert == null) {
      if (auth != null && !auth.tokens().isEmpty()) {
        System.err.println("warning: tokens are checked on a plaintext port: anyone on the network path can read them"
            + " (give --tls-cert and --tls-key)");
      }
      return WorkerSecurity.of(null, -1, watched);
    }
    TlsConfig tls = tlsConfig();
    if (tlsClientCa != null) {
      tls = tls.withClientCa(tlsClientCa, auth != null && !auth.tokens().isEmpty()
          ? TlsConfig.ClientCertificate.OPTIONAL : TlsConfig.ClientCertificate.REQUIRED);
    }
    try {
      return WorkerSecurity.of(ServerTls.start(tls), tlsPort, watched);
    } catch (RuntimeException e) {
      if (watched != null) {
        watched.close();
      }
      throw e;
    }
  }

  /** Stops the TLS and policy file watchers (after the worker). */
  private static void close(WorkerSecurity security) {
    if (security.tls() != null) {
      security.tls().close();
    }
    if (security.auth() != null) {
      security.auth().close();
    }
  }

  @Override
  public Integer call() throws Exception {
    List<Path> paths = new ArrayList<>();
    List<java.net.URI> s3Roots = new ArrayList<>();
    for (String root : roots) {
      if (root.regionMatches(true, 0, "s3://", 0, 5)) {
        s3Roots.add(java.net.URI.create(root));
      } else {
        Path local = TableUris.localRoot(root);
        if (!Files.isDirectory(local)) {
          throw new IllegalArgumentException("--root " + root + ": " + (Files.exists(local) ? "not a directory"
              : "no such directory") + " (give a directory that holds table directories, or an s3://bucket/prefix)");
        }
        paths.add(local);
      }
    }
    io.needle.worker.S3Config s3 = s3Roots.isEmpty() ? null : s3Config(s3Roots);
    Path temporaryCache = null;
    if (s3 != null && cacheDir == null) {
      // S3 tables are always served through the page store: without --cache-dir, a fresh
      // temporary one, deleted on exit.
      temporaryCache = Files.createTempDirectory("needle-cache-");
      cacheDir = temporaryCache;
      log.warn("S3 roots need a page store: using the temporary cache directory {}, deleted on exit "
          + "(give --cache-dir to keep pages across restarts)", cacheDir);
    }
    String workerName = name != null ? name : System.getenv().getOrDefault("NEEDLE_WORKER_NAME", "");
    WorkerConfig defaults = WorkerConfig.defaults(bind, port, paths);
    WorkerConfig config = defaults.withManifestTtl(manifestTtl).withName(workerName)
        .withIcebergMaxDeletedRows(icebergMaxDeletedRows)
        .withOpenFiles(maxOpenFiles, defaults.transport())
        .withMetadata(new MetadataCacheConfig(option("--metadata-cache-size", metadataCacheSize),
            defaults.metadata().footerTailBytes()))
        .withMaxInFlightPerConnection(maxInFlightPerConnection)
        .withServerLimits(new ServerLimits(maxConnections, maxConnectionsPerAddress, idleTimeout, frameTimeout,
            option("--max-buffered-request-bytes", maxBufferedRequestBytes), maxInFlight, maxQueuedLoads,
            writeStallTimeout));
    PageStoreConfig pageStore = cacheDir == null ? null : PageStoreConfig.of(cacheDir, option("--cache-size", cacheSize));
    WorkerSecurity security = security();
    Worker worker;
    try {
      worker = Worker.start(config, pageStore, s3, security,
          io.needle.worker.RepagingConfig.defaults().withEnabled(repage));
    } catch (IOException | InterruptedException | RuntimeException e) {
      close(security);
      deleteQuietly(temporaryCache);
      throw Ports.inUse(e) ? new IllegalArgumentException("--port " + port + ": " + bind + ":" + port
          + " is already in use (another process listens there); stop it or choose another --port", e) : e;
    }
    HealthEndpoint health;
    io.needle.worker.http.HttpServer http;
    try {
      health = healthPort < 0 ? null : HealthEndpoint.start(bind, healthPort, worker,
          healthTls ? tlsConfig().withoutClientCa() : null);
    } catch (IOException | RuntimeException e) {
      worker.close();
      close(security);
      deleteQuietly(temporaryCache);
      throw Ports.inUse(e) ? new IllegalArgumentException("--health-port " + healthPort + ": " + bind + ":"
          + healthPort + " is already in use (another process listens there); stop it or choose another "
          + "--health-port", e) : e;
    }
    try {
      http = httpPort < 0 ? null : HttpPort.start(worker, bind, httpPort, httpTls(), featureViews, httpCluster);
    } catch (IOException | InterruptedException | RuntimeException e) {
      if (health != null) {
        health.close();
      }
      worker.close();
      close(security);
      deleteQuietly(temporaryCache);
      throw Ports.inUse(e) ? new IllegalArgumentException("--http-port " + httpPort + ": " + bind + ":" + httpPort
          + " is already in use (another process listens there); stop it or choose another --http-port", e) : e;
    }
    logStart(worker, health, http, s3, pageStore);
    CountDownLatch stopped = new CountDownLatch(1);
    Path deleteOnExit = temporaryCache;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      long start = System.nanoTime();
      int left = -1;
      try {
        // SIGTERM: not ready, serve on for the delay (the HTTP port too), stop accepting on every port, refuse,
        // finish, close
        left = worker.drain(drainDelay, drainGrace);
      } catch (InterruptedException e) {
        worker.close();
        Thread.currentThread().interrupt();
      } finally {
        if (http != null) {
          http.close(); // after the worker: its calls went through it until the end
        }
        if (health != null) {
          health.close();
        }
        deleteQuietly(deleteOnExit);
        log.atInfo().setMessage("stopped").addKeyValue("name", worker.name())
            .addKeyValue("drain_ms", (System.nanoTime() - start) / 1_000_000)
            .addKeyValue("in_flight_left", left).addKeyValue("lookups", worker.lookupsServed())
            .addKeyValue("errors", worker.errorsAnswered()).log();
        close(security);
        stopped.countDown();
      }
    }, "needle-shutdown"));
    System.out.println("ready " + worker.address().getHostString() + ":" + worker.address().getPort()
        + " name " + worker.name() + (health == null ? "" : " health " + health.port())
        + (security.tlsPort() < 0 ? "" : " tls " + worker.tlsAddress().getPort())
        + (http == null ? "" : " http " + http.address().getPort()));
    System.out.flush();
    stopped.await();
    return 0;
  }

  /** The one start line: what an operator needs to know this worker is the one they meant. */
  private void logStart(Worker worker, HealthEndpoint health, io.needle.worker.http.HttpServer http,
      io.needle.worker.S3Config s3, PageStoreConfig pageStore) {
    var stats = worker.pageStoreStats();
    log.atInfo().setMessage("started").addKeyValue("version", Main.version()).addKeyValue("name", worker.name())
        .addKeyValue("bind", worker.address().getHostString()).addKeyValue("port", worker.address().getPort())
        .addKeyValue("health_port", health == null ? "none" : health.port() + (health.tls() ? " tls" : ""))
        .addKeyValue("http_port", http == null ? "none" : http.address().getPort() + (httpTls() ? " tls" : ""))
        .addKeyValue("transport", worker.usesEpoll() ? "epoll" : "nio")
        .addKeyValue("tls", worker.tlsAddress() == null ? "off"
            : worker.tlsAddress().equals(worker.address()) ? "only" : "port " + worker.tlsAddress().getPort())
        .addKeyValue("roots", roots)
        .addKeyValue("cache_dir", pageStore == null ? "none" : pageStore.directory().toString())
        .addKeyValue("cache_size", pageStore == null ? "none" : cacheSize)
        .addKeyValue("recovered_pages", stats == null ? 0 : stats.cachedPages())
        .addKeyValue("repage", pageStore != null && repage)
        .addKeyValue("metadata_cache_size", metadataCacheSize).addKeyValue("max_open_files", maxOpenFiles)
        .addKeyValue("s3_endpoint", s3 == null ? "none" : s3.endpoint() == null ? "aws" : s3.endpoint().toString())
        .log();
  }

  private static long option(String name, String size) {
    try {
      return Sizes.parseBytes(size);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(name + ": " + e.getMessage());
    }
  }

  private static void deleteQuietly(Path dir) {
    if (dir == null) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      log.warn("could not delete the temporary cache directory {}: {}", dir, e.toString());
    }
  }
}
