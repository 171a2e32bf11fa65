package io.needle.worker;

import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.needle.metadata.FileVersion;
import io.needle.protocol.proto.ErrorCode;
import io.netty.util.IllegalReferenceCountException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * Tables in local directories: their file listings ("manifests") and open file versions.
 *
 * <p>A manifest answers for at most {@code manifestTtl}; from half that age it is listed again
 * in the background while it keeps answering ({@link ManifestCache}; {@link #relist} lists now),
 * so listing never sits on the lookup path of a table in use (one asked for in the last 10
 * minutes is also listed ahead of its requests), and a table idle for longer is listed before its
 * next lookup. A file version is size + modification time + inode; a replaced
 * file is a new version, and the old version's descriptor keeps serving the old bytes to
 * lookups planned against it.
 */
final class LocalTables implements TableStorage, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LocalTables.class);
  private static final long MAX_SPELLING_CHARS = 2L << 20;

  private final TableScope scope;
  private final AsyncLoadingCache<String, Path> tablePaths;
  private final ManifestCache<Path> manifests;
  private final Cache<FileVersion, OpenFile> openFiles;

  LocalTables(TableScope scope, WorkerConfig config, Executor loader) {
    this.scope = scope;
    // Keyed by the URI as the client spelled it (resolving is what makes it canonical), so bounded
    // by the characters held, not by entries: a client cycling through spellings of one table
    // cannot grow it past this (URIs are at most 4 KiB each).
    this.tablePaths = Caffeine.newBuilder()
        .executor(loader)
        .maximumWeight(MAX_SPELLING_CHARS)
        .<String, Path>weigher((uri, path) -> uri.length())
        .expireAfterWrite(config.manifestTtl())
        .buildAsync(uri -> {
          try {
            return scope.resolve(uri);
          } catch (ServiceException e) {
            throw new CompletionException(e);
          }
        });
    this.manifests = ManifestCache.start(loader, config.manifestTtl(), this::list, "needle-list-ahead");
    this.openFiles = Caffeine.newBuilder()
        .maximumSize(config.maxOpenFiles())
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
    return tablePaths.get(tableUri).thenCompose(manifests::get);
  }

  @Override
  public CompletableFuture<TableListing> relisting(String tableUri, Executor executor, Deadline deadline) {
    return tablePaths.get(tableUri).thenCompose(path -> relist(path, executor, deadline));
  }

  @Override
  public void expire(String tableUri) {
    Path path = tablePaths.synchronous().getIfPresent(tableUri);
    if (path != null) {
      manifests.invalidate(path);
    }
  }

  /**
   * Lists the table again now, on {@code executor}, and caches the new listing: the Refresh RPC.
   * Each call is its own listing (not Caffeine's single flight), so it is dropped if its deadline
   * passed or its connection closed while it waited in the queue.
   */
  private CompletableFuture<TableListing> relist(Path tableRealPath, Executor executor, Deadline deadline) {
    CompletableFuture<TableListing> listed;
    try {
      listed = CompletableFuture.supplyAsync(() -> {
        deadline.check();
        try {
          return list(tableRealPath);
        } catch (IOException e) {
          throw new CompletionException(e);
        }
      }, executor);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      return CompletableFuture.failedFuture(e);
    }
    return listed.thenApply(files -> {
      manifests.put(tableRealPath, files);
      return files;
    });
  }

  /** Blocking when the file is not open yet: the descriptor is opened and checked against the listed version. */
  @Override
  public OpenFile open(TableFile file) throws ServiceException {
    for (int attempt = 0; attempt < 3; attempt++) {
      OpenFile open;
      OpenFile[] openedHere = new OpenFile[1];
      try {
        open = openFiles.get(file.version(), v -> {
          // Retained for this caller before the cache can see it: the cache may evict a new entry
          // at once (W-TinyLFU admission, or a cache smaller than one lookup's files), and then
          // the cache's own reference is gone before the caller could take one.
          OpenFile opened = openVersion(file);
          opened.retain();
          openedHere[0] = opened;
          return opened;
        });
      } catch (CompletionException | VersionChangedException e) {
        throw new ServiceException(ErrorCode.NOT_FOUND, "file changed or vanished since listing: "
            + file.relativePath() + " (refresh the table)", e);
      }
      if (open == openedHere[0]) {
        // Evict now, not at Caffeine's next convenient moment: maxOpenFiles is how an operator
        // keeps descriptors under the process limit, and a lazily run eviction let a busy worker
        // hold more (seen in OpenFileLifetimeTest). Opening a file is rare; this costs nothing
        // on a lookup that finds its file open.
        openFiles.cleanUp();
        return open;
      }
      try {
        open.retain();
        return open;
      } catch (IllegalReferenceCountException raced) {
        openFiles.asMap().remove(file.version(), open); // evicted between get and retain
      }
    }
    throw new ServiceException(ErrorCode.UNAVAILABLE, "could not pin " + file.relativePath());
  }

  /** The retained descriptor if the version is open already, else null. */
  @Override
  public OpenFile openIfPresent(TableFile file) {
    OpenFile open = openFiles.getIfPresent(file.version());
    if (open == null) {
      return null;
    }
    try {
      open.retain();
      return open;
    } catch (IllegalReferenceCountException raced) {
      return null;
    }
  }

  /** Versions held open now. */
  long openFileCount() {
    return openFiles.estimatedSize();
  }

  /** Closes a version's descriptor once in-flight sends are done (after corruption or change). */
  @Override
  public void forget(FileVersion version) {
    openFiles.invalidate(version);
  }

  private OpenFile openVersion(TableFile file) {
    try {
      FileChannel channel = FileChannel.open(file.realPath(), StandardOpenOption.READ);
      try {
        // Open, then check that the path still names the listed version: if it was replaced in
        // between, this descriptor may point at another inode, and we must not serve from it.
        if (!version(file.realPath()).equals(file.version()) || channel.size() != file.version().sizeBytes()) {
          throw new VersionChangedException(file.relativePath());
        }
        return new OpenFile(file.version(), channel);
      } catch (IOException | RuntimeException e) {
        channel.close();
        throw e;
      }
    } catch (IOException e) {
      throw new VersionChangedException(file.relativePath(), e);
    }
  }

  private TableListing list(Path table) throws IOException {
    List<TableFile> files = new ArrayList<>();
    List<TableFile> metadataFiles = new ArrayList<>();
    if (Files.isRegularFile(table)) {
      TableFile only = new TableFile(table.getFileName().toString(), table, version(table));
      return TableListing.isTableMetadata(only.relativePath()) ? new TableListing(List.of(), List.of(only))
          : new TableListing(List.of(only), List.of());
    }
    Path metadataDir = table.resolve(TableListing.METADATA_DIR);
    if (!Files.isDirectory(table)) {
      throw new NoSuchFileException(table.toString());
    }
    for (ForeignTableFormat format : ForeignTableFormat.values()) {
      if (Files.isDirectory(table.resolve(format.logDir()))) {
        return TableListing.foreign(format);
      }
    }
    Files.walkFileTree(table, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
        return !dir.equals(table) && TableScope.isHidden(dir.getFileName())
            ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        String name = file.getFileName().toString();
        boolean metadata = file.startsWith(metadataDir) || TableListing.isDeletionVectors(name);
        if (attrs.isRegularFile() && !TableScope.isHidden(file.getFileName())
            && (metadata || name.toLowerCase(Locale.ROOT).endsWith(".parquet"))) {
          Path real = file.toRealPath();
          if (scope.insideRoot(real)) {
            TableFile listed = new TableFile(table.relativize(file).toString(), real, version(real));
            if (metadata) {
              metadataFiles.add(listed);
            }
            if (name.toLowerCase(Locale.ROOT).endsWith(".parquet")) {
              files.add(listed);
            }
          } else {
            log.warn("skipping {}: it links outside the worker's roots", TableScope.printable(file.toString()));
          }
        }
        return FileVisitResult.CONTINUE;
      }
    });
    files.sort(Comparator.comparing(TableFile::relativePath));
    return new TableListing(files, metadataFiles);
  }

  static FileVersion version(Path real) throws IOException {
    BasicFileAttributes attrs = Files.readAttributes(real, BasicFileAttributes.class);
    String token = attrs.lastModifiedTime().toInstant().getEpochSecond() + "."
        + attrs.lastModifiedTime().toInstant().getNano() + "-" + attrs.fileKey();
    return new FileVersion(real.toString(), attrs.size(), token);
  }

  @Override
  public void close() {
    manifests.close();
    openFiles.invalidateAll();
    openFiles.cleanUp();
  }

  /** The path no longer names the version that was listed. */
  static final class VersionChangedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    VersionChangedException(String path) {
      super("file changed since listing: " + path);
    }

    VersionChangedException(String path, Throwable cause) {
      super("cannot open " + path + ": " + cause.getMessage(), cause);
    }
  }
}
