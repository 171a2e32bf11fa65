package io.needle.worker;

import io.needle.metadata.MetadataCacheConfig;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * Everything a worker is configured with, validated once here.
 *
 * @param bindHost address to listen on (loopback by default)
 * @param port TCP port, 0 for any free port
 * @param roots directories the worker may serve tables from; nothing outside them is ever read. May
 *     be empty only for a worker serving S3 roots ({@link S3Config}); {@link Worker#start} checks
 * @param maxRequestFrameBytes requests longer than this close the connection
 * @param maxResponseBytes a lookup whose pages would exceed this fails with RESOURCE_EXHAUSTED
 * @param maxKeysPerRequest more keys fail with RESOURCE_EXHAUSTED before any I/O
 * @param maxInFlightPerConnection requests being served per connection before it stops reading
 * @param manifestTtl how long a table's file listing is trusted before it is listed again
 * @param loaderThreads threads doing blocking metadata and listing I/O (never the event loop)
 * @param maxOpenFiles file versions kept open for zero-copy sends
 * @param transport which Netty transport to use
 * @param name the worker's stable identity in a cluster (a StatefulSet pod name), reported by the
 *     health RPC; clients route by it, never by address. Empty means "bind address:port".
 * @param limits connections, timeouts and queues a client may hold (see {@link ServerLimits})
 * @param icebergMaxDeletedRows the most deleted rows one Iceberg snapshot may hold in memory (8
 *     bytes each): a snapshot over it is refused with RESOURCE_EXHAUSTED until it changes
 */
public record WorkerConfig(
    String bindHost,
    int port,
    List<Path> roots,
    int maxRequestFrameBytes,
    long maxResponseBytes,
    int maxKeysPerRequest,
    int maxInFlightPerConnection,
    Duration manifestTtl,
    MetadataCacheConfig metadata,
    int loaderThreads,
    int maxOpenFiles,
    Transport transport,
    String name,
    ServerLimits limits,
    long icebergMaxDeletedRows) {

  /** Deleted rows an Iceberg snapshot may hold by default: 80 MB of row positions. */
  public static final long DEFAULT_ICEBERG_MAX_DELETED_ROWS = 10_000_000;

  /** Netty transport: native epoll where available, else NIO. */
  public enum Transport { AUTO, EPOLL, NIO }

  public WorkerConfig {
    requireNonNull(bindHost, "bindHost is null");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
    roots = List.copyOf(roots);
    positive("maxRequestFrameBytes", maxRequestFrameBytes);
    positive("maxResponseBytes", maxResponseBytes);
    positive("maxKeysPerRequest", maxKeysPerRequest);
    positive("maxInFlightPerConnection", maxInFlightPerConnection);
    positive("loaderThreads", loaderThreads);
    positive("maxOpenFiles", maxOpenFiles);
    requireNonNull(manifestTtl, "manifestTtl is null");
    if (manifestTtl.isNegative()) {
      throw new IllegalArgumentException("manifestTtl is negative: " + manifestTtl);
    }
    requireNonNull(metadata, "metadata is null");
    requireNonNull(transport, "transport is null");
    requireNonNull(name, "name is null");
    requireNonNull(limits, "limits is null");
    positive("icebergMaxDeletedRows", icebergMaxDeletedRows);
  }

  /** Everything but the Iceberg deleted-row limit, which takes its default. */
  public WorkerConfig(String bindHost, int port, List<Path> roots, int maxRequestFrameBytes, long maxResponseBytes,
      int maxKeysPerRequest, int maxInFlightPerConnection, Duration manifestTtl, MetadataCacheConfig metadata,
      int loaderThreads, int maxOpenFiles, Transport transport, String name, ServerLimits limits) {
    this(bindHost, port, roots, maxRequestFrameBytes, maxResponseBytes, maxKeysPerRequest, maxInFlightPerConnection,
        manifestTtl, metadata, loaderThreads, maxOpenFiles, transport, name, limits, DEFAULT_ICEBERG_MAX_DELETED_ROWS);
  }

  /** Everything but the server limits, which take their defaults. */
  public WorkerConfig(String bindHost, int port, List<Path> roots, int maxRequestFrameBytes, long maxResponseBytes,
      int maxKeysPerRequest, int maxInFlightPerConnection, Duration manifestTtl, MetadataCacheConfig metadata,
      int loaderThreads, int maxOpenFiles, Transport transport, String name) {
    this(bindHost, port, roots, maxRequestFrameBytes, maxResponseBytes, maxKeysPerRequest, maxInFlightPerConnection,
        manifestTtl, metadata, loaderThreads, maxOpenFiles, transport, name, ServerLimits.defaults());
  }

  /** Defaults for everything but where to listen and what to serve. */
  public static WorkerConfig defaults(String bindHost, int port, List<Path> roots) {
    return new WorkerConfig(bindHost, port, roots, 4 << 20, 256L << 20, 100_000, 256,
        Duration.ofSeconds(2), MetadataCacheConfig.defaults(), 4, 4096, Transport.AUTO, "");
  }

  public WorkerConfig withManifestTtl(Duration ttl) {
    return new WorkerConfig(bindHost, port, roots, maxRequestFrameBytes, maxResponseBytes, maxKeysPerRequest,
        maxInFlightPerConnection, ttl, metadata, loaderThreads, maxOpenFiles, transport, name, limits, icebergMaxDeletedRows);
  }

  public WorkerConfig withLimits(int maxRequestFrameBytes, long maxResponseBytes, int maxKeysPerRequest) {
    return new WorkerConfig(bindHost, port, roots, maxRequestFrameBytes, maxResponseBytes, maxKeysPerRequest,
        maxInFlightPerConnection, manifestTtl, metadata, loaderThreads, maxOpenFiles, transport, name, limits, icebergMaxDeletedRows);
  }

  /** The same config with at most {@code newMaxOpenFiles} open file versions, on {@code newTransport}. */
  public WorkerConfig withOpenFiles(int newMaxOpenFiles, Transport newTransport) {
    return new WorkerConfig(bindHost, port, roots, maxRequestFrameBytes, maxResponseBytes, maxKeysPerRequest,
        maxInFlightPerConnection, manifestTtl, metadata, loaderThreads, newMaxOpenFiles, newTransport, name, limits,
        icebergMaxDeletedRows);
  }

  /** The same config with {@code newMetadata} as the metadata cache's bounds. */
  public WorkerConfig withMetadata(MetadataCacheConfig newMetadata) {
    return new WorkerConfig(bindHost, port, roots, maxRequestFrameBytes, maxResponseBytes, maxKeysPerRequest,
        maxInFlightPerConnection, manifestTtl, newMetadata, loaderThreads, maxOpenFiles, transport, name, limits, icebergMaxDeletedRows);
  }

  /** The same config with a stable worker name (see {@link #name()}). */
  public WorkerConfig withName(String newName) {
    return new WorkerConfig(bindHost, port, roots, maxRequestFrameBytes, maxResponseBytes, maxKeysPerRequest,
        maxInFlightPerConnection, manifestTtl, metadata, loaderThreads, maxOpenFiles, transport, newName, limits, icebergMaxDeletedRows);
  }

  /** The same config with other server limits (connections, timeouts, queues). */
  public WorkerConfig withServerLimits(ServerLimits newLimits) {
    return new WorkerConfig(bindHost, port, roots, maxRequestFrameBytes, maxResponseBytes, maxKeysPerRequest,
        maxInFlightPerConnection, manifestTtl, metadata, loaderThreads, maxOpenFiles, transport, name, newLimits, icebergMaxDeletedRows);
  }

  /** The same config with at most {@code newMax} requests in flight per connection. */
  public WorkerConfig withMaxInFlightPerConnection(int newMax) {
    return new WorkerConfig(bindHost, port, roots, maxRequestFrameBytes, maxResponseBytes, maxKeysPerRequest,
        newMax, manifestTtl, metadata, loaderThreads, maxOpenFiles, transport, name, limits, icebergMaxDeletedRows);
  }

  /** The same config with at most {@code max} deleted rows held per Iceberg snapshot. */
  public WorkerConfig withIcebergMaxDeletedRows(long max) {
    return new WorkerConfig(bindHost, port, roots, maxRequestFrameBytes, maxResponseBytes, maxKeysPerRequest,
        maxInFlightPerConnection, manifestTtl, metadata, loaderThreads, maxOpenFiles, transport, name, limits, max);
  }

  private static void positive(String name, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive: " + value);
    }
  }
}
