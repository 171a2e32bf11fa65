package io.needle.worker;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.needle.metadata.MetadataCache;
import io.needle.pagestore.PageStoreStats;

import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * A worker's meters in a registry of the caller's choice (the server exports them in Prometheus
 * format; this module depends on micrometer-core only). Two kinds: per-request meters the worker
 * updates as it answers ({@link RequestMetrics}: lookups, keys and errors, latency histograms,
 * bytes; S3 requests by kind and outcome), and counters the worker keeps anyway, read when
 * scraped (page store, key indexes, re-paging, metadata cache, connections, open files). Names follow Prometheus
 * conventions once exported: {@code needle_lookups_total}, {@code needle_pagestore_hits_total}, ...
 */
public final class WorkerMetrics {
  private WorkerMetrics() {}

  /** Registers the worker's meters in {@code registry}. */
  public static void bind(Worker worker, MeterRegistry registry) {
    worker.meters().registry().add(registry);
    Gauge.builder("needle.connections", worker, Worker::connections)
        .description("client connections open").register(registry);
    Gauge.builder("needle.open.files", worker, Worker::openFiles)
        .description("local file versions held open for zero-copy sends").register(registry);
    metadata(registry, worker.meters().metadata());
    Gauge.builder("needle.worker.in.flight", worker, Worker::inFlight)
        .description("requests being served").register(registry);
    FunctionCounter.builder("needle.s3.get.requests", worker, w -> w.s3GetRequests())
        .description("ranged GETs sent to S3 (footers, indexes, pages)").register(registry);
    FunctionCounter.builder("needle.s3.list.requests", worker, w -> w.s3ListRequests())
        .description("ListObjectsV2 requests sent to S3 (table manifests)").register(registry);
    FunctionCounter.builder("needle.iceberg.snapshot.loads", worker, w -> w.icebergSnapshotLoads())
        .description("Iceberg snapshots loaded (metadata, manifests, deletes): one per table and commit").register(registry);
    Gauge.builder("needle.eventloop.lag.max", worker, w -> w.maxLoopLag().toNanos() / 1e9)
        .description("longest an event loop was kept from its sockets since start (heartbeat lateness), seconds")
        .register(registry);
    if (worker.pageStoreStats() == null) {
      return;
    }
    Gauge.builder("needle.pagestore.slow", worker, w -> w.storeReadStats().slow() ? 1 : 0)
        .description("1 while hits are read off the event loop because a store read took over 50 ms").register(registry);
    FunctionCounter.builder("needle.pagestore.slow.reads", worker, w -> w.storeReadStats().slowReads())
        .description("page store reads over 50 ms").register(registry);
    FunctionCounter.builder("needle.pagestore.slow.to.source", worker, w -> w.storeReadStats().toSource())
        .description("hits the source answered because the slow store did not read them in time").register(registry);
    counter(registry, worker, "needle.pagestore.hits", "lookups of a page the store had", PageStoreStats::hits);
    counter(registry, worker, "needle.pagestore.misses", "lookups of a page the store did not have", PageStoreStats::misses);
    counter(registry, worker, "needle.pagestore.hit.bytes", "bytes served from the store", PageStoreStats::hitBytes);
    counter(registry, worker, "needle.pagestore.puts", "pages written to the store", PageStoreStats::puts);
    counter(registry, worker, "needle.pagestore.put.bytes", "bytes written to the store", PageStoreStats::putBytes);
    counter(registry, worker, "needle.pagestore.admission.rejections", "pages the admission policy kept out",
        PageStoreStats::admissionRejections);
    counter(registry, worker, "needle.pagestore.no.space.rejections", "pages refused for lack of space",
        PageStoreStats::noSpaceRejections);
    counter(registry, worker, "needle.pagestore.write.failures", "I/O errors writing pages", PageStoreStats::writeFailures);
    counter(registry, worker, "needle.pagestore.read.failures", "I/O errors reading pages", PageStoreStats::readFailures);
    counter(registry, worker, "needle.pagestore.corrupt.pages", "pages dropped as corrupt (store check or client CRC)",
        PageStoreStats::corruptPages);
    counter(registry, worker, "needle.pagestore.evicted.regions", "regions evicted", PageStoreStats::evictedRegions);
    counter(registry, worker, "needle.pagestore.evicted.pages", "pages evicted", PageStoreStats::evictedPages);
    FunctionCounter.builder("needle.pagestore.source.reads", worker, w -> w.pagesReadFromSource())
        .description("pages read from the source to fill the store").register(registry);
    gauge(registry, worker, "needle.pagestore.cached.pages", "pages in the store", PageStoreStats::cachedPages);
    gauge(registry, worker, "needle.pagestore.cached.bytes", "bytes in the store", PageStoreStats::cachedBytes);
    gauge(registry, worker, "needle.pagestore.capacity.bytes", "the store's hard bound", PageStoreStats::capacityBytes);
    gauge(registry, worker, "needle.pagestore.degraded", "1 while the store refuses new pages (cache dir gone)",
        s -> s.degraded() ? 1 : 0);
    FunctionTimer.builder("needle.pagestore.fill", worker, w -> w.pageStoreStats().puts(),
            w -> w.pageStoreStats().fillNanosTotal(), TimeUnit.NANOSECONDS)
        .description("time to write a page into the store").register(registry);
    keyIndexes(registry, worker);
    repaging(registry, worker);
  }

  /** Key indexes (with a page store only): builds, their failures, rows and bytes, time, queue. */
  private static void keyIndexes(MeterRegistry registry, Worker worker) {
    FunctionCounter.builder("needle.keyindex.builds", worker, w -> w.keyIndexStats().built())
        .description("key indexes built (the file's key column read once)").register(registry);
    FunctionCounter.builder("needle.keyindex.build.failures", worker, w -> w.keyIndexStats().failed())
        .description("key index builds that ended without an index (lookups stay planned from statistics)")
        .register(registry);
    FunctionCounter.builder("needle.keyindex.rows", worker, w -> w.keyIndexStats().rowsIndexed())
        .description("keys in the key indexes built").register(registry);
    FunctionCounter.builder("needle.keyindex.stored.bytes", worker, w -> w.keyIndexStats().storedBytes())
        .description("page-store bytes of the key indexes built").register(registry);
    FunctionTimer.builder("needle.keyindex.build", worker, w -> w.keyIndexStats().built(),
            w -> w.keyIndexStats().buildNanos(), TimeUnit.NANOSECONDS)
        .description("time to build a key index").register(registry);
    Gauge.builder("needle.keyindex.queue", worker, w -> w.keyIndexStats().pending())
        .description("key index builds queued or running").register(registry);
  }

  /** Re-paging (with a page store only): chunks re-paged, loaded, declined, dropped, bytes, time, queue. */
  private static void repaging(MeterRegistry registry, Worker worker) {
    FunctionCounter.builder("needle.repaging.chunks", worker, w -> w.repagingStats().chunksRepaged())
        .description("column chunks re-paged into small pages").register(registry);
    FunctionCounter.builder("needle.repaging.tables.loaded", worker, w -> w.repagingStats().tablesLoaded())
        .description("re-paged chunks found in the page store and served without re-paging").register(registry);
    FunctionCounter.builder("needle.repaging.failures", worker, w -> w.repagingStats().chunksDeclined())
        .description("re-paging attempts given up (chunk too large, store full, undecodable, I/O error)")
        .register(registry);
    FunctionCounter.builder("needle.repaging.drops", worker, w -> w.repagingStats().chunksDropped())
        .description("re-paged chunks abandoned after a page left the store or failed a checksum").register(registry);
    FunctionCounter.builder("needle.repaging.source.bytes", worker, w -> w.repagingStats().sourceBytesRead())
        .description("column chunk bytes read from the source to re-page them").register(registry);
    FunctionCounter.builder("needle.repaging.stored.bytes", worker, w -> w.repagingStats().pageBytesStored())
        .description("re-paged page bytes written to the page store").register(registry);
    FunctionTimer.builder("needle.repaging.build", worker, w -> w.repagingStats().chunksRepaged(),
            w -> w.repagingStats().buildNanos(), TimeUnit.NANOSECONDS)
        .description("time to re-page a chunk (read, decode, re-encode, store)").register(registry);
    Gauge.builder("needle.repaging.queue", worker, w -> w.repagingStats().pending())
        .description("column chunks queued or being re-paged").register(registry);
  }

  private static void metadata(MeterRegistry registry, MetadataCache cache) {
    FunctionCounter.builder("needle.metadata.cache.hits", cache, c -> c.stats().hits())
        .description("lookups of a file version whose footer and indexes were cached").register(registry);
    FunctionCounter.builder("needle.metadata.cache.misses", cache, c -> c.stats().misses())
        .description("lookups that had to load a file's footer and indexes").register(registry);
    FunctionCounter.builder("needle.metadata.cache.loads", cache, c -> c.stats().loads())
        .description("footer and index loads that succeeded").register(registry);
    FunctionCounter.builder("needle.metadata.cache.load.failures", cache, c -> c.stats().loadFailures())
        .description("footer and index loads that failed (unreadable or corrupt files)").register(registry);
    FunctionCounter.builder("needle.metadata.cache.evictions", cache, c -> c.stats().evictions())
        .description("file versions evicted to stay under --metadata-cache-size").register(registry);
    Gauge.builder("needle.metadata.cache.entries", cache, c -> c.stats().entries())
        .description("file versions whose metadata is cached").register(registry);
    Gauge.builder("needle.metadata.cache.size", cache, MetadataCache::weightedBytes).baseUnit("bytes")
        .description("estimated heap bytes of cached metadata").register(registry);
  }

  private static void counter(MeterRegistry registry, Worker worker, String name, String description,
      ToDoubleFunction<PageStoreStats> value) {
    FunctionCounter.builder(name, worker, w -> value.applyAsDouble(w.pageStoreStats()))
        .description(description).register(registry);
  }

  private static void gauge(MeterRegistry registry, Worker worker, String name, String description,
      ToDoubleFunction<PageStoreStats> value) {
    Gauge.builder(name, worker, w -> value.applyAsDouble(w.pageStoreStats())).description(description).register(registry);
  }
}
