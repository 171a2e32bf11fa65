package io.needle.worker;

import io.needle.metadata.MetadataCache;

import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Which {@link TableSource} serves a table URI or a listed file: the one place that tells the
 * storages apart. The choice is lexical (an {@code s3://} URI, else a path), so it runs on the
 * event loop; a worker without S3 roots hands {@code s3://} URIs to the local source, which
 * refuses their scheme. Each storage is read through {@link IcebergTables}, which serves a
 * location as an Iceberg table when it holds Iceberg metadata and as a directory table otherwise.
 */
final class TableSources {
  private static final int SNAPSHOT_LOAD_THREADS = 2;
  /** Beyond this, a lookup that needs a snapshot loaded is refused as busy (RESOURCE_EXHAUSTED). */
  private static final int MAX_QUEUED_SNAPSHOT_LOADS = 64;

  private final IcebergTables local;
  private final IcebergTables s3;

  /**
   * @param s3 tables on S3, or null when no S3 root is configured
   * @param maxDeletedRows the most deleted rows an Iceberg snapshot may hold in memory
   */
  TableSources(LocalTables local, S3Tables s3, MetadataCache metadata, long maxDeletedRows) {
    Executor snapshotLoads = snapshotLoader();
    this.local = new IcebergTables(local, metadata, snapshotLoads, maxDeletedRows);
    this.s3 = s3 == null ? null : new IcebergTables(s3, metadata, snapshotLoads, maxDeletedRows);
  }

  /**
   * Threads that load Iceberg snapshots (metadata, manifests, deletes): few, daemon, gone when
   * idle, so a worker that serves no Iceberg table holds none.
   */
  private static Executor snapshotLoader() {
    java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
    ThreadPoolExecutor pool = new ThreadPoolExecutor(SNAPSHOT_LOAD_THREADS, SNAPSHOT_LOAD_THREADS, 30, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(MAX_QUEUED_SNAPSHOT_LOADS), r -> {
          Thread t = new Thread(r, "needle-iceberg-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  /** Iceberg snapshot loads started, local and S3 tables. */
  long icebergSnapshotLoads() {
    return local.loadsStarted() + (s3 == null ? 0 : s3.loadsStarted());
  }

  TableSource forTable(String tableUri) {
    return s3 != null && S3Location.isS3(tableUri) ? s3 : local;
  }

  /** The source that opens {@code file}: an S3 object has no local path. */
  TableSource forFile(TableFile file) {
    return file.realPath() == null ? s3 : local;
  }
}
