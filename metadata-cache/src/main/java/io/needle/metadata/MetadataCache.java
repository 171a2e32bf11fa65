package io.needle.metadata;

import static java.util.Objects.requireNonNull;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;

/**
 * Parsed Parquet metadata of many file versions, bounded by bytes, and the lookup planner.
 *
 * <p>Design: a Caffeine {@link AsyncCache} keyed by {@link FileVersion} holds one
 * {@link FileMetadata} per version, weighed by its estimated heap bytes. A miss loads the footer
 * and offset indexes on the {@code loader} executor; concurrent callers share that one load, and
 * a failed load is not kept. Parts needed only by some lookups (the key column's column indexes
 * and bloom filters, page tables of chunks without an offset index) are loaded on first use, also
 * on the loader executor, and the entry is then re-weighed. Once an entry holds what a lookup
 * needs, {@link #plan} completes on the calling thread without I/O.
 *
 * <p>Returned futures fail with the {@link ParquetException} or {@link IOException} itself (not
 * wrapped in a {@link CompletionException}).
 */
public final class MetadataCache {
  private final MetadataCacheConfig config;
  private final Executor loader;
  private final AsyncCache<FileVersion, FileMetadata> cache;
  private final DerivedStore derived;

  public MetadataCache(MetadataCacheConfig config, Executor loader) {
    this(config, loader, DerivedStore.NONE);
  }

  /** @param derived where walked page tables are kept across restarts */
  public MetadataCache(MetadataCacheConfig config, Executor loader, DerivedStore derived) {
    this.config = requireNonNull(config, "config is null");
    this.loader = requireNonNull(loader, "loader is null");
    this.derived = requireNonNull(derived, "derived is null");
    this.cache = Caffeine.newBuilder()
        .maximumWeight(config.capacityBytes())
        .weigher((FileVersion version, FileMetadata file) -> (int) Math.min(Integer.MAX_VALUE, file.heapBytes()))
        .executor(loader)
        .recordStats()
        .buildAsync();
  }

  /** Hits, misses, loads and evictions since start, and what is held now; for metrics. */
  public MetadataCacheStats stats() {
    var s = cache.synchronous().stats();
    return new MetadataCacheStats(s.hitCount(), s.missCount(), s.loadSuccessCount(), s.loadFailureCount(),
        s.evictionCount(), cache.synchronous().estimatedSize(), weightedBytes());
  }

  /**
   * Plans the lookup of {@code spec} in one file. Completes at once when the file's metadata is
   * cached; otherwise loads it on the loader executor (one load per version however many callers
   * wait). Fails with {@link ParquetException} for bad files and bad lookups, and with
   * {@link java.io.IOException} when the source cannot be read.
   */
  public CompletableFuture<FilePlan> plan(FileSource source, LookupSpec spec) {
    return plan(source, spec, null);
  }

  /**
   * As {@link #plan(FileSource, LookupSpec)}, but when {@code keyRows} (a key index of this file
   * version and the spec's key column; may be null) knows the rows of every key, plans exactly
   * the pages holding those rows, and nothing for a file without any ({@link IndexedPlanner}).
   */
  public CompletableFuture<FilePlan> plan(FileSource source, LookupSpec spec, KeyRows keyRows) {
    requireNonNull(source, "source is null");
    requireNonNull(spec, "spec is null");
    CompletableFuture<FileMetadata> file = entry(source);
    if (file.isDone() && !file.isCompletedExceptionally()) {
      return planWith(file.join(), source, spec, keyRows); // cached: plan on the caller's thread
    }
    return unwrapped(file.thenCompose(f -> planWith(f, source, spec, keyRows)));
  }

  private CompletableFuture<FilePlan> planWith(FileMetadata file, FileSource source, LookupSpec spec, KeyRows keyRows) {
    Planner.Request request;
    try {
      request = Planner.resolve(file, spec);
    } catch (ParquetException e) {
      return CompletableFuture.failedFuture(e);
    }
    return step(file, source, request, keyRows == null ? null : indexedRows(request, keyRows));
  }

  /** The rows of every key of the request, ascending and distinct; null when the index cannot answer all. */
  private static long[] indexedRows(Planner.Request request, KeyRows keyRows) {
    KeyRows.RowList rows = new KeyRows.RowList();
    for (int i = 0; i < request.keyCount(); i++) {
      boolean known = request.longKeys() != null
          ? keyRows.find(request.longKeys()[i], rows)
          : keyRows.find(request.byteKeys()[i], rows);
      if (!known) {
        return null;
      }
    }
    return rows.sortedDistinct();
  }

  /** @param rows the rows a key index found (then planned exactly), or null (planned from statistics) */
  private CompletableFuture<FilePlan> step(FileMetadata file, FileSource source, Planner.Request request, long[] rows) {
    Planner.Step step = rows == null ? Planner.step(file, request) : IndexedPlanner.step(file, request, rows);
    if (step.plan() != null) {
      return CompletableFuture.completedFuture(step.plan());
    }
    // Concurrent cold plans share one load per key column and one walk per chunk.
    CompletableFuture<Void> loaded;
    if (step.needsKeyState()) {
      int leaf = request.keyLeaf();
      loaded = file.loadOnce(-1 - leaf, () -> offLoop(() -> {
        KeyStateLoader.load(source, file, leaf, derived);
        reweigh(file);
        return null;
      }));
    } else {
      loaded = loadPageTables(file, source, step.missingChunks());
    }
    return unwrapped(loaded.thenCompose(v -> step(file, source, request, rows)));
  }

  /**
   * Page tables of the chunk slots given, on the loader: from the derived store when it has
   * them, else walked from the page headers (and stored). One load per chunk however many wait.
   */
  private CompletableFuture<Void> loadPageTables(FileMetadata file, FileSource source, int[] slots) {
    CompletableFuture<?>[] walks = new CompletableFuture<?>[slots.length];
    for (int i = 0; i < slots.length; i++) {
      int rg = slots[i] / file.leafCount();
      int leaf = slots[i] % file.leafCount();
      if (file.pageTable(rg, leaf) != null) {
        walks[i] = CompletableFuture.completedFuture(null);
        continue;
      }
      walks[i] = file.loadOnce(slots[i], () -> offLoop(() -> {
        if (file.pageTable(rg, leaf) == null && StoredPageTables.load(derived, file, rg, leaf) == null) {
          StoredPageTables.walk(derived, source, file, rg, leaf, false);
        }
        reweigh(file);
        return null;
      }));
    }
    return CompletableFuture.allOf(walks);
  }

  /**
   * The pages of the whole key column of one file, for building a key index; loads what the
   * file's metadata lacks (page tables of chunks without an offset index) on the loader.
   */
  public CompletableFuture<KeyColumnLayout> keyColumn(FileSource source, String keyColumn) {
    requireNonNull(source, "source is null");
    requireNonNull(keyColumn, "keyColumn is null");
    return unwrapped(entry(source).thenCompose(file -> {
      int leaf;
      try {
        leaf = Planner.keyLeaf(file, keyColumn);
      } catch (ParquetException e) {
        return CompletableFuture.failedFuture(e);
      }
      int[] slots = new int[file.rowGroupCount()];
      for (int rg = 0; rg < slots.length; rg++) {
        slots[rg] = rg * file.leafCount() + leaf;
      }
      return loadPageTables(file, source, slots).thenApply(v -> keyColumnLayout(file, leaf));
    }));
  }

  private static KeyColumnLayout keyColumnLayout(FileMetadata file, int leafIndex) {
    LeafColumn leaf = file.leaves[leafIndex];
    List<RowGroupPlan> groups = new ArrayList<>(file.rowGroupCount());
    for (int rg = 0; rg < file.rowGroupCount(); rg++) {
      PageTable table = file.pageTable(rg, leafIndex);
      List<PageRef> pages = new ArrayList<>(table.pageCount());
      for (int p = 0; p < table.pageCount(); p++) {
        pages.add(table.pageRef(p));
      }
      groups.add(new RowGroupPlan(rg, file.rowGroupRows[rg],
          List.of(new ColumnPlan(leafIndex, file.chunk(rg, leafIndex).codec, table.dictionaryRef(), pages))));
    }
    PrimitiveType.PrimitiveTypeName physical = switch (leaf.type()) {
      case INT32 -> PrimitiveType.PrimitiveTypeName.INT32;
      case INT64 -> PrimitiveType.PrimitiveTypeName.INT64;
      case BYTE_ARRAY -> PrimitiveType.PrimitiveTypeName.BINARY;
      case FIXED_LEN_BYTE_ARRAY -> PrimitiveType.PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY;
      default -> throw new IllegalStateException("not a key type: " + leaf.type()); // Planner.keyLeaf checked
    };
    Type.Repetition repetition = leaf.maxDefinitionLevel() > 0 ? Type.Repetition.OPTIONAL : Type.Repetition.REQUIRED;
    PrimitiveType type = physical == PrimitiveType.PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY
        ? Types.primitive(physical, repetition).length(leaf.typeLength()).named(leaf.path())
        : Types.primitive(physical, repetition).named(leaf.path());
    ColumnDescriptor descriptor = new ColumnDescriptor(new String[] {leaf.path()}, type, 0, leaf.maxDefinitionLevel());
    return new KeyColumnLayout(file.version, file.schemaInfo, leafIndex, descriptor, List.copyOf(groups),
        leaf.order() == StatsOrder.UNSIGNED);
  }

  /**
   * Whether statistics alone already plan this key column exactly: every row group's key pages
   * have ordered bounds and a bloom filter. Null while the key column's state is not loaded (no
   * lookup has touched it yet) or the file is not cached.
   */
  public Boolean keyBoundsExact(FileVersion version, String keyColumn) {
    CompletableFuture<FileMetadata> cached = cache.getIfPresent(requireNonNull(version, "version is null"));
    if (cached == null || !cached.isDone() || cached.isCompletedExceptionally()) {
      return null;
    }
    FileMetadata file = cached.join();
    Integer leaf = file.leafByPath.get(keyColumn);
    KeyColumnState state = leaf == null ? null : file.keyStates.get(leaf);
    if (state == null) {
      return null;
    }
    for (int rg = 0; rg < file.rowGroupCount(); rg++) {
      if (file.rowGroupRows[rg] == 0) {
        continue;
      }
      KeyPageBounds bounds = state.bounds[rg];
      if (bounds == null || bounds.order == KeyPageBounds.Order.UNORDERED || state.blooms[rg] == null) {
        return false;
      }
    }
    return true;
  }

  /** Whether the metadata of {@code version} is loaded (a describe or plan of it completes at once). Never loads. */
  public boolean isLoaded(FileVersion version) {
    return cached(version) != null;
  }

  /** Describes one file; {@code keyColumn} may be null. */
  public CompletableFuture<FileSummary> describe(FileSource source, String keyColumn) {
    requireNonNull(source, "source is null");
    return unwrapped(entry(source).thenApply(file -> {
      try {
        return summary(file, keyColumn);
      } catch (ParquetException e) {
        throw new CompletionException(e);
      }
    }));
  }

  private static FileSummary summary(FileMetadata file, String keyColumn) throws ParquetException {
    Keys min = null;
    Keys max = null;
    StatsOrder order = StatsOrder.UNKNOWN;
    if (keyColumn != null) {
      int leafIndex = Planner.keyLeaf(file, keyColumn);
      LeafColumn leaf = file.leaves[leafIndex];
      boolean known = true;
      boolean any = false;
      long minLong = Long.MAX_VALUE;
      long maxLong = Long.MIN_VALUE;
      byte[] minBytes = null;
      byte[] maxBytes = null;
      for (int rg = 0; rg < file.rowGroupCount() && known; rg++) {
        ChunkMeta chunk = file.chunk(rg, leafIndex);
        if (file.rowGroupRows[rg] == 0 || chunk.allNull) {
          continue;
        }
        if (!chunk.hasBounds) {
          known = false;
          continue;
        }
        any = true;
        if (chunk.minBytes == null) {
          minLong = Math.min(minLong, chunk.minLong);
          maxLong = Math.max(maxLong, chunk.maxLong);
        } else {
          minBytes = minBytes == null || java.util.Arrays.compareUnsigned(chunk.minBytes, minBytes) < 0 ? chunk.minBytes : minBytes;
          maxBytes = maxBytes == null || java.util.Arrays.compareUnsigned(chunk.maxBytes, maxBytes) > 0 ? chunk.maxBytes : maxBytes;
        }
      }
      if (known && any) {
        order = leaf.order();
        if (minBytes == null) {
          min = Keys.ofLongs(StatsValues.keyForm(leaf, minLong));
          max = Keys.ofLongs(StatsValues.keyForm(leaf, maxLong));
        } else {
          min = Keys.ofBytes(minBytes.clone());
          max = Keys.ofBytes(maxBytes.clone());
        }
      }
    }
    return new FileSummary(file.version, file.schemaInfo, file.rowCount, min, max, order);
  }

  // ---------------------------------------------------------------- re-paged chunks (worker-built)

  /** The file metadata of {@code version} when cached and loaded; null otherwise. Never loads. */
  private FileMetadata cached(FileVersion version) {
    CompletableFuture<FileMetadata> f = cache.getIfPresent(requireNonNull(version, "version is null"));
    return f != null && f.isDone() && !f.isCompletedExceptionally() ? f.join() : null;
  }

  /**
   * Where chunk ({@code rowGroup}, {@code leaf}) of a cached file version lies; null when the
   * version is not cached or has no such chunk. Never loads.
   */
  public ChunkLayout chunkLayout(FileVersion version, int rowGroup, int leaf) {
    FileMetadata file = cached(version);
    if (file == null || rowGroup < 0 || rowGroup >= file.rowGroupCount() || leaf < 0 || leaf >= file.leafCount()) {
      return null;
    }
    ChunkMeta chunk = file.chunk(rowGroup, leaf);
    LeafColumn column = file.leaves[leaf];
    PageTable table = file.pageTable(rowGroup, leaf);
    long maxPageRows = -1;
    if (table != null && table.firstRowsKnown) {
      for (int p = 0; p < table.pageCount(); p++) {
        maxPageRows = Math.max(maxPageRows, table.endRow(p, file.rowGroupRows[rowGroup]) - table.firstRows[p]);
      }
    }
    return new ChunkLayout(file.version, file.schemaInfo, rowGroup, leaf, file.leafCount(), file.rowGroupRows[rowGroup],
        chunk.start, chunk.end, chunk.codec, column.usableAsKey() && column.order() != StatsOrder.UNKNOWN,
        maxPageRows);
  }

  /**
   * Serves {@code chunk}'s pages instead of the file's own for its chunk of {@code version}, from
   * the next plan on. Returns false (and changes nothing) when the version is not cached, the
   * chunk does not exist, or its first rows do not fit the row group.
   */
  public boolean publishRepaged(FileVersion version, RepagedChunk chunk) {
    FileMetadata file = cached(version);
    if (file == null || chunk.rowGroup < 0 || chunk.rowGroup >= file.rowGroupCount() || chunk.leaf < 0
        || chunk.leaf >= file.leafCount() || chunk.firstRows[chunk.firstRows.length - 1] >= file.rowGroupRows[chunk.rowGroup]) {
      return false;
    }
    LeafColumn leaf = file.leaves[chunk.leaf];
    KeyPageBounds bounds = null;
    if (chunk.keyMins != null && leaf.usableAsKey() && leaf.order() != StatsOrder.UNKNOWN) {
      java.util.List<byte[]> mins = new java.util.ArrayList<>(chunk.pageCount());
      java.util.List<byte[]> maxs = new java.util.ArrayList<>(chunk.pageCount());
      for (int p = 0; p < chunk.pageCount(); p++) {
        boolean known = StatsValues.wellFormed(leaf, chunk.keyMins[p]) && StatsValues.wellFormed(leaf, chunk.keyMaxs[p]);
        mins.add(known ? chunk.keyMins[p] : null);
        maxs.add(known ? chunk.keyMaxs[p] : null);
      }
      bounds = PageHeaderWalker.bounds(leaf, mins, maxs);
    }
    file.publishRepaged(new FileMetadata.Repaged(chunk, chunk.table(), bounds));
    reweigh(file);
    return true;
  }

  /** The re-paged chunk served for ({@code rowGroup}, {@code leaf}) of a cached version, or null. */
  public RepagedChunk repaged(FileVersion version, int rowGroup, int leaf) {
    FileMetadata file = cached(version);
    if (file == null || rowGroup < 0 || rowGroup >= file.rowGroupCount() || leaf < 0 || leaf >= file.leafCount()) {
      return null;
    }
    FileMetadata.Repaged r = file.repaged(rowGroup, leaf);
    return r == null ? null : r.chunk();
  }

  /** Goes back to the file's own pages for one chunk (its re-paged pages are gone or doubted). */
  public void dropRepaged(FileVersion version, int rowGroup, int leaf) {
    FileMetadata file = cached(version);
    if (file != null && rowGroup >= 0 && rowGroup < file.rowGroupCount() && leaf >= 0 && leaf < file.leafCount()) {
      file.dropRepaged(rowGroup, leaf);
      reweigh(file);
    }
  }

  /** Drops everything cached for {@code version}. */
  public void invalidate(FileVersion version) {
    cache.synchronous().invalidate(requireNonNull(version, "version is null"));
  }

  /** Estimated heap bytes held, for metrics. */
  public long weightedBytes() {
    cache.synchronous().cleanUp(); // apply pending weight changes so the figure is current
    return cache.synchronous().policy().eviction().flatMap(e -> {
      var size = e.weightedSize();
      return size.isPresent() ? java.util.Optional.of(size.getAsLong()) : java.util.Optional.empty();
    }).orElse(0L);
  }

  private CompletableFuture<FileMetadata> entry(FileSource source) {
    FileVersion version = requireNonNull(source.version(), "source.version() is null");
    try {
      CompletableFuture<FileMetadata> cached = cache.getIfPresent(version);
      if (cached != null && cached.isCompletedExceptionally()) {
        // Caffeine drops failed loads, but its callback may not have run yet: never serve one
        cache.asMap().remove(version, cached);
      }
      return cache.get(version, (v, executor) -> offLoop(() -> FooterReader.load(source, config.footerTailBytes())));
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Re-inserts an entry after lazy loading so Caffeine records its new weight. */
  private void reweigh(FileMetadata file) {
    cache.synchronous().asMap().replace(file.version, file, file);
  }

  /** A blocking load step, as the loader executor runs it. */
  private interface Load<T> {
    T run() throws IOException, ParquetException;
  }

  private <T> CompletableFuture<T> offLoop(Load<T> load) {
    CompletableFuture<T> result = new CompletableFuture<>();
    try {
      loader.execute(() -> {
        try {
          result.complete(load.run());
        } catch (Throwable t) {
          result.completeExceptionally(t);
        }
      });
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(e);
    }
    return result;
  }

  /** The same outcome, with a CompletionException/ExecutionException wrapper peeled off. */
  private static <T> CompletableFuture<T> unwrapped(CompletableFuture<T> future) {
    CompletableFuture<T> result = new CompletableFuture<>();
    future.whenComplete((value, failure) -> {
      if (failure == null) {
        result.complete(value);
        return;
      }
      Throwable cause = failure;
      while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
        cause = cause.getCause();
      }
      result.completeExceptionally(cause);
    });
    return result;
  }
}
