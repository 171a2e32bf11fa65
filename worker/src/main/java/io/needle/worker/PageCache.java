package io.needle.worker;

import io.needle.pagestore.PageHandle;
import io.needle.pagestore.PageKey;
import io.needle.pagestore.PageStore;
import io.needle.pagestore.PageStoreStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.CRC32C;

/**
 * The worker's read path through the page store: hits leave zero-copy from the region file with
 * the CRC32C computed when the page entered the store; misses are read from the source once
 * however many lookups wait for them (single flight per page), answered from the bytes read,
 * and offered to the store after the answer has been handed on.
 *
 * <p>Why the CRC travels: the worker never reads the bytes it sends from the store, so it cannot
 * check them; the client checks each page against its CRC32C and, on a mismatch, asks again
 * naming the page as suspect, which drops it here and reads it from the source again.
 *
 * <p>Threading: {@link #resolve} is called on an event loop and never blocks it: lookups in the
 * index are lock-free, reads from the source run on the loader executor.
 */
final class PageCache implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PageCache.class);

  private final PageStore store;
  private final Executor loader;
  private final Map<PageKey, CompletableFuture<Fetched>> inFlight = new ConcurrentHashMap<>();
  private final LongAdder sourceReads = new LongAdder();

  /** Bytes of one page read from the source, and their CRC32C. */
  private record Fetched(byte[] bytes, int crc32c) {}

  PageCache(PageStore store, Executor loader) {
    this.store = store;
    this.loader = loader;
  }

  PageStoreStats stats() {
    return store.stats();
  }

  /** Pages read from the source because the store did not have them (one per miss, not per waiter). */
  long sourceReads() {
    return sourceReads.sum();
  }

  /**
   * Fills {@code parts[first + i]} and {@code crcs[first + i]} for each page of one file version.
   * Completes on the caller's thread when every page is a hit, else on the loader.
   *
   * @param suspects offsets the client found corrupt: dropped from the store and read again
   */
  CompletableFuture<Void> resolve(OpenFile file, long[] offsets, int[] lengths, Set<Long> suspects, int first,
      PagePart[] parts, int[] crcs) {
    String version = versionKey(file);
    CompletableFuture<?>[] misses = null;
    int missCount = 0;
    for (int i = 0; i < offsets.length; i++) {
      PageKey key = PageKey.of(version, offsets[i]);
      if (suspects.contains(offsets[i])) {
        store.reportCorrupt(key);
      } else {
        PageHandle hit = store.get(key);
        if (hit != null && hit.length() == lengths[i]) {
          parts[first + i] = new PagePart.Stored(hit);
          crcs[first + i] = hit.crc32c();
          continue;
        }
        if (hit != null) { // a page of another length under this key: the store is wrong, not the file
          hit.release();
          store.reportCorrupt(key);
        }
      }
      int slot = first + i;
      CompletableFuture<Void> miss = fetch(file, key, offsets[i], lengths[i]).thenAccept(fetched -> {
        parts[slot] = new PagePart.Fetched(fetched.bytes());
        crcs[slot] = fetched.crc32c();
      });
      if (misses == null) {
        misses = new CompletableFuture<?>[offsets.length - i];
      }
      misses[missCount++] = miss;
    }
    return misses == null ? CompletableFuture.completedFuture(null)
        : CompletableFuture.allOf(java.util.Arrays.copyOf(misses, missCount));
  }

  private CompletableFuture<Fetched> fetch(OpenFile file, PageKey key, long offset, int length) {
    CompletableFuture<Fetched> mine = new CompletableFuture<>();
    CompletableFuture<Fetched> existing = inFlight.putIfAbsent(key, mine);
    if (existing != null) {
      return existing;
    }
    file.retain();
    loader.execute(() -> {
      try {
        byte[] bytes = new byte[length];
        sourceReads.increment();
        file.readFully(offset, ByteBuffer.wrap(bytes));
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        Fetched fetched = new Fetched(bytes, (int) crc.getValue());
        mine.complete(fetched); // the answer goes on first; the store sees the page afterwards
        if (!store.put(key, ByteBuffer.wrap(bytes))) {
          log.debug("page store declined {}", key);
        }
      } catch (IOException e) {
        mine.completeExceptionally(e);
      } catch (RuntimeException e) {
        mine.completeExceptionally(e);
      } finally {
        inFlight.remove(key, mine);
        file.release();
      }
    });
    return mine;
  }

  /** The store's name for a file version: path, size and version token. */
  static String versionKey(OpenFile file) {
    return file.version().path() + "|" + file.version().wireToken();
  }

  @Override
  public void close() {
    store.close();
  }
}
