package io.needle.metadata;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The cached, compact metadata of one file version: schema, row groups, column chunks, and the
 * lazily added page tables (for chunks without an offset index) and key-column state.
 *
 * <p>Threading: the eager parts are immutable. The lazy slots are filled on the loader executor
 * and published through {@link AtomicReferenceArray}s; a slot is set at most once
 * ({@code compareAndSet(null, x)}), so a racing duplicate load is harmless and readers on any
 * thread see either null ("load it first") or a complete, immutable value.
 * Chunk arrays are indexed {@code rowGroup * leafCount + leaf}.
 */
final class FileMetadata {
  final FileVersion version;
  final SchemaInfo schemaInfo;
  final LeafColumn[] leaves;
  final String[] topFieldNames;
  /** Leaves of top-level field f are [topFieldFirstLeaf[f], topFieldFirstLeaf[f + 1]). */
  final int[] topFieldFirstLeaf;
  final Map<String, Integer> leafByPath;
  final Map<String, Integer> topFieldByName;
  final long rowCount;
  final long[] rowGroupRows;
  final ChunkMeta[] chunks;
  final AtomicReferenceArray<PageTable> pageTables;
  final AtomicReferenceArray<KeyColumnState> keyStates;
  /** Chunks the worker re-paged into small pages: served instead of the file's own pages. */
  final AtomicReferenceArray<Repaged> repaged;
  private final long eagerHeapBytes;
  private final AtomicLong lazyHeapBytes = new AtomicLong();
  /** Lazy loads under way, so that concurrent cold plans share one (see {@link #loadOnce}). */
  private final ConcurrentHashMap<Integer, CompletableFuture<Void>> loads =
      new ConcurrentHashMap<>();

  FileMetadata(
      FileVersion version,
      SchemaInfo schemaInfo,
      LeafColumn[] leaves,
      String[] topFieldNames,
      int[] topFieldFirstLeaf,
      Map<String, Integer> leafByPath,
      Map<String, Integer> topFieldByName,
      long rowCount,
      long[] rowGroupRows,
      ChunkMeta[] chunks,
      PageTable[] pageTables) {
    this.version = version;
    this.schemaInfo = schemaInfo;
    this.leaves = leaves;
    this.topFieldNames = topFieldNames;
    this.topFieldFirstLeaf = topFieldFirstLeaf;
    this.leafByPath = leafByPath;
    this.topFieldByName = topFieldByName;
    this.rowCount = rowCount;
    this.rowGroupRows = rowGroupRows;
    this.chunks = chunks;
    this.pageTables = new AtomicReferenceArray<>(pageTables);
    this.keyStates = new AtomicReferenceArray<>(leaves.length);
    this.repaged = new AtomicReferenceArray<>(chunks.length);
    long bytes = 256 + schemaInfo.thriftFileMetaData().length + 16L;
    for (LeafColumn leaf : leaves) {
      bytes += 64 + 2L * (40 + leaf.path().length()) + 64; // record, path twice (maps), map nodes
    }
    for (String name : topFieldNames) {
      bytes += 40 + name.length() + 48;
    }
    bytes += 16 + rowGroupRows.length * 8L + 16 + chunks.length * 8L * 2;
    for (ChunkMeta c : chunks) {
      bytes += c.heapBytes();
    }
    for (PageTable t : pageTables) {
      bytes += t == null ? 0 : t.heapBytes();
    }
    this.eagerHeapBytes = bytes;
  }

  int leafCount() {
    return leaves.length;
  }

  int rowGroupCount() {
    return rowGroupRows.length;
  }

  ChunkMeta chunk(int rowGroup, int leaf) {
    return chunks[rowGroup * leaves.length + leaf];
  }

  PageTable pageTable(int rowGroup, int leaf) {
    return pageTables.get(rowGroup * leaves.length + leaf);
  }

  /** A published re-paging of one chunk, and its key bounds when the leaf can be a key. */
  record Repaged(RepagedChunk chunk, PageTable table, KeyPageBounds bounds) {
    long heapBytes() {
      return 64 + table.heapBytes() + (bounds == null ? 0 : bounds.heapBytes());
    }
  }

  Repaged repaged(int rowGroup, int leaf) {
    return repaged.get(rowGroup * leaves.length + leaf);
  }

  void publishRepaged(Repaged r) {
    int slot = r.chunk().rowGroup * leaves.length + r.chunk().leaf;
    Repaged old = repaged.getAndSet(slot, r);
    lazyHeapBytes.addAndGet(r.heapBytes() - (old == null ? 0 : old.heapBytes()));
  }

  void dropRepaged(int rowGroup, int leaf) {
    Repaged old = repaged.getAndSet(rowGroup * leaves.length + leaf, null);
    if (old != null) {
      lazyHeapBytes.addAndGet(-old.heapBytes());
    }
  }

  void publishPageTable(int rowGroup, int leaf, PageTable table) {
    if (pageTables.compareAndSet(rowGroup * leaves.length + leaf, null, table)) {
      lazyHeapBytes.addAndGet(table.heapBytes());
    }
  }

  void publishKeyState(int leaf, KeyColumnState state) {
    if (keyStates.compareAndSet(leaf, null, state)) {
      lazyHeapBytes.addAndGet(state.heapBytes);
    }
  }

  /**
   * Runs the lazy load named {@code key} unless one is under way, whose completion is then
   * shared. The entry leaves when the load ends, failed or not: a later caller finds the state
   * published, or (after a failure) starts again.
   */
  CompletableFuture<Void> loadOnce(int key,
      Supplier<CompletableFuture<Void>> start) {
    CompletableFuture<Void> mine = new CompletableFuture<>();
    CompletableFuture<Void> running = loads.putIfAbsent(key, mine);
    if (running != null) {
      return running;
    }
    CompletableFuture<Void> load;
    try {
      load = start.get();
    } catch (RuntimeException e) {
      loads.remove(key, mine);
      mine.completeExceptionally(e);
      return mine;
    }
    load.whenComplete((v, e) -> {
      loads.remove(key, mine);
      if (e != null) {
        mine.completeExceptionally(e);
      } else {
        mine.complete(null);
      }
    });
    return mine;
  }

  /** Estimated heap bytes, lazily loaded parts included; the cache's weight. */
  long heapBytes() {
    return eagerHeapBytes + lazyHeapBytes.get();
  }
}
