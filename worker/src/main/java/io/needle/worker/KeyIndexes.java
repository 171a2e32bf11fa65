package io.needle.worker;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.needle.metadata.FilePlan;
import io.needle.metadata.FileVersion;
import io.needle.metadata.LookupSpec;
import io.needle.metadata.MetadataCache;
import io.needle.pagestore.PageStore;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plans lookups through per-file key indexes where a file has one, and decides when to build
 * them.
 *
 * <p>When: after the first lookup of a (file version, key column) was planned from statistics
 * (which loads the key column's page bounds and bloom filters), unless those already plan it
 * exactly: every row group has ordered page bounds and a bloom filter (a file laid out for
 * Needle). Every other file — keys unsorted, no page index, no bloom filter — gets an index built
 * once in the background, after which a present key costs one page per requested column and an
 * absent key none. Unlike Hudi's record-level index (one global key → file-group map, maintained
 * by the writer on every commit), this one is per file version and built by the reader from the
 * file alone, so it needs nothing from the writer and is never stale: a new version has no index
 * until it is touched.
 *
 * <p>Meanwhile (building, evicted, doubted) lookups take the statistics path: a present key is
 * never missed. Builds run on a small executor of their own (at most {@link #BUILD_THREADS}
 * at once, a bounded queue), so they never hold the loader that metadata loads need. In heap,
 * per indexed file: the fences of its {@link KeyIndex} (8 bytes per 4096 rows).
 */
final class KeyIndexes implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(KeyIndexes.class);
  static final int BUILD_THREADS = 1;
  private static final int BUILD_QUEUE = 256;
  /** A build is under way, or the file is not worth one (its statistics are exact, too big, declined). */
  private enum Marker { BUILDING, NOT_INDEXED }

  private final MetadataCache metadata;
  private final PageStore store;
  private final KeyIndex.ByteHash hash;
  private final ExecutorService builds;
  /** Per "version\0keyColumn": a {@link KeyIndex} or a {@link Marker}; weighed by heap bytes. */
  private final Cache<String, Object> states;
  private final LongAdder built = new LongAdder();
  private final LongAdder buildNanos = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final LongAdder rowsIndexed = new LongAdder();
  private final LongAdder storedBytes = new LongAdder();
  /** Builds queued or running. */
  private final AtomicInteger pending = new AtomicInteger();
  private final java.util.function.BooleanSupplier storeSlow;

  KeyIndexes(MetadataCache metadata, PageStore store, KeyIndex.ByteHash hash, long heapBytes) {
    this(metadata, store, hash, heapBytes, () -> false);
  }

  /**
   * @param storeSlow whether the store's disk is slow now ({@link StoreReads#slow}): then lookups
   *     are planned from statistics, because an index's blocks are read on the event loop and
   *     exist only in the store, so a stalling disk would stall the loop with them
   */
  KeyIndexes(MetadataCache metadata, PageStore store, KeyIndex.ByteHash hash, long heapBytes,
      java.util.function.BooleanSupplier storeSlow) {
    this.storeSlow = storeSlow;
    this.metadata = metadata;
    this.store = store;
    this.hash = hash;
    AtomicInteger n = new AtomicInteger();
    this.builds = new ThreadPoolExecutor(BUILD_THREADS, BUILD_THREADS, 30, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(BUILD_QUEUE), r -> {
          Thread t = new Thread(r, "needle-key-index-" + n.incrementAndGet());
          t.setDaemon(true);
          t.setPriority(Thread.NORM_PRIORITY - 1);
          return t;
        });
    this.states = Caffeine.newBuilder()
        .maximumWeight(heapBytes)
        .weigher((String key, Object state) -> (int) Math.min(Integer.MAX_VALUE,
            64 + 2L * key.length() + (state instanceof KeyIndex index ? index.heapBytes() : 0)))
        .build();
  }

  /** Plans the lookup of {@code spec} in {@code file}, through its key index when it has a usable one. */
  CompletableFuture<FilePlan> plan(OpenFile file, LookupSpec spec) {
    if (storeSlow.getAsBoolean()) {
      return metadata.plan(file, spec); // no read of the store on this thread (see the constructor)
    }
    String version = PageCache.versionKey(file);
    String name = version + '\0' + spec.keyColumn();
    Object state = states.getIfPresent(name);
    if (state == null) {
      KeyIndex stored = KeyIndex.open(store, version, spec.keyColumn(), spec.keys().isLongs() ? 0 : hash.id(),
          hash.function());
      if (stored != null) {
        states.asMap().putIfAbsent(name, stored);
        state = stored;
      }
    }
    if (state instanceof KeyIndex index) {
      if (!index.doubted()) {
        CompletableFuture<FilePlan> plan = metadata.plan(file, spec, index);
        if (plan.isDone()) { // planned on this thread: no stage to add
          if (index.doubted()) {
            drop(name, index);
          }
          return plan;
        }
        return plan.whenComplete((p, e) -> {
          if (index.doubted()) {
            drop(name, index);
          }
        });
      }
      drop(name, index);
      state = null;
    }
    CompletableFuture<FilePlan> plan = metadata.plan(file, spec);
    if (state == null) {
      file.retain();
      plan.whenComplete((p, error) -> {
        try {
          if (error == null) {
            consider(file, spec.keyColumn(), name);
          }
        } finally {
          file.release();
        }
      });
    }
    return plan;
  }

  /**
   * Forgets a doubted index and drops its directory from the store, on the build executor: the
   * store's write lock is no place for an event loop, and in that one queue the drop comes before
   * any rebuild it makes necessary.
   */
  private void drop(String name, KeyIndex index) {
    if (!states.asMap().remove(name, index)) {
      return;
    }
    try {
      builds.execute(() -> store.invalidate(index.directoryKey()));
    } catch (RejectedExecutionException e) {
      // closing: the directory stays, and the next process doubts the index the same way
    }
  }

  /** After a statistics-planned lookup: starts a build unless one runs or the statistics are exact. */
  private void consider(OpenFile file, String keyColumn, String name) {
    Boolean exact = metadata.keyBoundsExact(file.version(), keyColumn);
    if (exact == null) {
      return;
    }
    if (exact) {
      states.asMap().putIfAbsent(name, Marker.NOT_INDEXED);
      return;
    }
    if (states.asMap().putIfAbsent(name, Marker.BUILDING) != null) {
      return;
    }
    file.retain();
    pending.incrementAndGet();
    try {
      builds.execute(() -> {
        try {
          build(file, keyColumn, name);
        } finally {
          file.release();
          pending.decrementAndGet();
        }
      });
    } catch (RejectedExecutionException e) { // queue full or closing: a later touch tries again
      states.asMap().remove(name, Marker.BUILDING);
      file.release();
      pending.decrementAndGet();
    }
  }

  private void build(OpenFile file, String keyColumn, String name) {
    long start = System.nanoTime();
    KeyIndex index = null;
    try {
      index = KeyIndexBuilder.build(metadata.keyColumn(file, keyColumn).get(), file, keyColumn, store, hash);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      Throwable cause = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
      log.warn("key index of {} in {} not built: {}", keyColumn, TableScope.printable(file.version().path()),
          cause.toString());
    }
    if (index == null) {
      failed.increment();
      states.asMap().replace(name, Marker.BUILDING, Marker.NOT_INDEXED);
      return;
    }
    built.increment();
    buildNanos.add(System.nanoTime() - start);
    rowsIndexed.add(index.entries());
    storedBytes.add(index.storedBytes());
    states.asMap().replace(name, Marker.BUILDING, index);
    log.debug("key index of {} in {}: {} keys in {} blocks, {} ms", keyColumn, file.version().path(), index.entries(),
        index.blocks(), (System.nanoTime() - start) / 1_000_000);
  }

  /** Forgets the indexes of a version (its records leave the store with its pages). */
  void forget(FileVersion version) {
    String prefix = PageCache.versionKey(version) + '\0';
    states.asMap().keySet().removeIf(k -> k.startsWith(prefix));
  }

  /** Indexes built by this process. */
  long built() {
    return built.sum();
  }

  /** Nanoseconds spent building them. */
  long buildNanos() {
    return buildNanos.sum();
  }

  KeyIndexStats stats() {
    return new KeyIndexStats(built.sum(), failed.sum(), rowsIndexed.sum(), storedBytes.sum(), buildNanos.sum(),
        pending.get());
  }

  /**
   * Takes no more builds. A running one is not interrupted: an interrupt inside a FileChannel
   * read or write closes the channel (the source file's, or the page store's) for everyone; it
   * ends by itself once the store, closed, declines its records.
   */
  @Override
  public void close() {
    builds.shutdown();
  }
}
