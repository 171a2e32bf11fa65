package io.needle.worker;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.needle.metadata.FileVersion;
import io.needle.metadata.MetadataCache;
import io.netty.util.IllegalReferenceCountException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * Tables under {@code s3://bucket/prefix}: their manifests (each object's key, size and ETag)
 * and the sources reading one object version each.
 *
 * <p>A manifest is the {@code .parquet} objects under the prefix (ListObjectsV2, every page),
 * ignoring hidden ({@code .}) and {@code _}-prefixed path segments, zero-length objects and
 * other suffixes. It is trusted for the manifest TTL, then listed again in the background while
 * the old one answers; {@link #relist} lists it again now. A new listing is incremental by
 * construction: every cache key (metadata, open sources, stored pages) includes the size and
 * ETag, so unchanged objects keep everything cached, and the versions that disappeared (deleted
 * or overwritten objects) are dropped from the metadata cache and the open sources at once;
 * their stored pages are never asked for again and age out of the page store.
 *
 * <p>Threading: listing runs on the loader executor (blocking on the async client there);
 * {@link #open} does no I/O and may run on an event loop.
 */
final class S3Tables implements TableStorage, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(S3Tables.class);

  private final TableScope scope;
  private final S3AsyncClient client;
  private final S3Config config;
  private final MetadataCache metadata;
  private final S3RequestCounter counter;
  private final ManifestCache<S3Location> manifests;
  private final Map<S3Location, List<TableFile>> lastListed = new ConcurrentHashMap<>();
  private final Cache<FileVersion, OpenFile> sources;
  private final Executor loader;

  S3Tables(TableScope scope, S3AsyncClient client, S3Config config, WorkerConfig workerConfig, MetadataCache metadata,
      Executor loader, S3RequestCounter counter) {
    this.scope = scope;
    this.client = client;
    this.config = config;
    this.metadata = metadata;
    this.counter = counter;
    this.loader = loader;
    this.manifests = ManifestCache.start(loader, workerConfig.manifestTtl(), this::list, "needle-s3-list-ahead");
    this.sources = Caffeine.newBuilder()
        .maximumSize(workerConfig.maxOpenFiles())
        .executor(Runnable::run)
        .<FileVersion, OpenFile>removalListener((version, file, cause) -> {
          if (file != null && cause != RemovalCause.REPLACED) {
            file.release();
          }
        })
        .build();
  }

  @Override
  public CompletableFuture<TableListing> listing(String tableUri) {
    try {
      return manifests.get(scope.resolveS3(tableUri));
    } catch (ServiceException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Lists the table again now, through the listing cache (so one LIST serves every caller that
   * asks at once); the returned manifest is what the next lookups use.
   */
  @Override
  public CompletableFuture<TableListing> relisting(String tableUri, Executor executor, Deadline deadline) {
    S3Location table;
    try {
      table = scope.resolveS3(tableUri);
    } catch (ServiceException e) {
      return CompletableFuture.failedFuture(e);
    }
    manifests.invalidate(table);
    return manifests.get(table);
  }

  /** Lists again at once, in the background: the next request finds the new listing or waits for it. */
  @Override
  public void expire(String tableUri) {
    relisting(tableUri, loader, Deadline.never());
  }

  /** No I/O: a source of ranged GETs needs nothing opened. */
  @Override
  public OpenFile openIfPresent(TableFile file) {
    return open(file);
  }

  /** A retained source of the listed version (the caller releases it). No I/O. */
  @Override
  public OpenFile open(TableFile file) {
    for (int attempt = 0; attempt < 3; attempt++) {
      OpenFile open = sources.get(file.version(), v -> create(file));
      try {
        open.retain();
        return open;
      } catch (IllegalReferenceCountException raced) {
        sources.asMap().remove(file.version(), open);
      }
    }
    OpenFile fresh = create(file); // unshared: the caller's reference is the only one
    return fresh;
  }

  /** Drops a version's source and its cached metadata (after corruption or change). */
  @Override
  public void forget(FileVersion version) {
    sources.invalidate(version);
    metadata.invalidate(version);
  }

  private OpenFile create(TableFile file) {
    String uri = file.version().path();
    String bucket = uri.substring(5, uri.indexOf('/', 5));
    String key = uri.substring(uri.indexOf('/', 5) + 1);
    return new OpenFile(new S3ObjectSource(client, bucket, key, file.version().token(), file.version(), counter,
        config.callTimeout()),
        config.coalesceGapBytes());
  }

  private TableListing list(S3Location table) throws S3ReadException {
    List<TableFile> files = new ArrayList<>();
    List<TableFile> metadataFiles = new ArrayList<>();
    // A URI naming one metadata file (canonical prefixes end in '/'): that object alone.
    String metadataObject = table.prefix().endsWith(TableListing.METADATA_SUFFIX + "/")
        ? table.prefix().substring(0, table.prefix().length() - 1) : null;
    String token = null;
    ForeignTableFormat foreign = null;
    do {
      ListObjectsV2Request.Builder request = ListObjectsV2Request.builder().bucket(table.bucket())
          .prefix(metadataObject != null ? metadataObject : table.prefix());
      if (token != null) {
        request.continuationToken(token);
      }
      counter.recordList();
      long started = System.nanoTime();
      ListObjectsV2Response page;
      try {
        page = client.listObjectsV2(request.build()).join();
      } catch (RuntimeException e) {
        S3ReadException failure = S3Failures.classify(e, "LIST " + TableScope.printable(table.uri()));
        counter.listDone(started, failure);
        throw failure;
      }
      counter.listDone(started, null);
      for (S3Object object : page.contents()) {
        if (metadataObject != null) {
          if (object.key().equals(metadataObject)) {
            String name = metadataObject.substring(metadataObject.lastIndexOf('/') + 1);
            metadataFiles.add(new TableFile(name, null,
                new FileVersion(table.objectUri(object.key()), object.size(), object.eTag())));
          }
          continue;
        }
        String relative = object.key().substring(table.prefix().length());
        foreign = foreign != null ? foreign : ForeignTableFormat.ofPath(relative);
        if ((relative.startsWith(TableListing.METADATA_DIR) || TableListing.isDeletionVectors(relative))
            && object.size() > 0) {
          metadataFiles.add(new TableFile(relative, null,
              new FileVersion(table.objectUri(object.key()), object.size(), object.eTag())));
        }
        if (isTableFile(relative, object.size())) {
          FileVersion version = new FileVersion(table.objectUri(object.key()), object.size(), object.eTag());
          files.add(new TableFile(relative, null, version));
        }
      }
      token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
    } while (token != null);
    if (foreign != null) {
      dropVanished(table, List.of());
      return TableListing.foreign(foreign);
    }
    files.sort(Comparator.comparing(TableFile::relativePath));
    List<TableFile> manifest = List.copyOf(files);
    dropVanished(table, manifest);
    if (config.prefetchMetadata()) {
      prefetch(manifest);
    }
    return new TableListing(manifest, metadataFiles);
  }

  /** Versions listed last time and not now: their cached metadata and sources go at once. */
  private void dropVanished(S3Location table, List<TableFile> manifest) {
    List<TableFile> previous = lastListed.put(table, manifest);
    if (previous == null) {
      return;
    }
    Set<FileVersion> now = new HashSet<>();
    for (TableFile f : manifest) {
      now.add(f.version());
    }
    for (TableFile f : previous) {
      if (!now.contains(f.version())) {
        log.debug("dropping vanished version {}", f.version());
        forget(f.version());
      }
    }
  }

  /** Loads footers and indexes of every file in the background, so first lookups pay only for pages. */
  private void prefetch(List<TableFile> manifest) {
    for (TableFile file : manifest) {
      OpenFile open = open(file);
      metadata.describe(open, null).thenRunAsync(() -> {
        try {
          open.remoteS3().loadMetadataRegion(); // column indexes and bloom filters too, for the key column
        } catch (S3ReadException e) {
          throw new java.util.concurrent.CompletionException(e);
        }
      }, loader).whenComplete((ignored, error) -> {
        open.release();
        if (error != null) {
          log.debug("metadata prefetch of {} failed: {}", TableScope.printable(file.version().path()), error.toString());
        }
      });
    }
  }

  static boolean isTableFile(String relative, long size) {
    if (size <= 0 || relative.isEmpty() || !relative.toLowerCase(Locale.ROOT).endsWith(".parquet")) {
      return false;
    }
    for (String segment : relative.split("/", -1)) {
      if (segment.isEmpty() || segment.startsWith(".") || segment.startsWith("_")) {
        return false;
      }
    }
    return true;
  }

  /** Sources still open, for tests and metrics. */
  long openSources() {
    return sources.estimatedSize();
  }

  @Override
  public void close() {
    manifests.close();
    sources.invalidateAll();
    sources.cleanUp();
    client.close();
  }
}
