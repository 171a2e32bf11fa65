package io.needle.worker;

import io.needle.pagestore.PageHandle;
import io.needle.pagestore.PageKey;
import io.needle.pagestore.PageStore;
import io.needle.pagestore.PageStoreStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.CRC32C;

/**
 * The worker's read path through the page store: hits leave zero-copy from the region file with
 * the CRC32C computed when the page entered the store; misses are read from the source once
 * however many lookups wait for them (single flight per page), answered from the bytes read,
 * and offered to the store after the answer has been handed on. The misses of one lookup in one
 * file are read together, neighbours within the file's coalescing gap by one read (for an S3
 * object, one ranged GET; for a local file the gap is 0, so only adjacent pages merge).
 *
 * <p>Why the CRC travels: the worker never reads the bytes it sends from the store, so it cannot
 * check them; the client checks each page against its CRC32C and, on a mismatch, asks again
 * naming the page as suspect, which drops it here and reads it from the source again.
 *
 * <p>Threading: {@link #resolve} is called on an event loop and never blocks it: lookups in the
 * index are lock-free, local reads run on the loader executor, S3 reads are asynchronous GETs,
 * and stored pages are written on the loader. Hits are read on the loop, timed; once one is slow
 * (a stalling disk), they are read off it under a bound and the source answers the rest
 * ({@link StoreReads}).
 */
final class PageCache implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PageCache.class);

  private final PageStore store;
  private final StoreReads reads;
  private final Executor loader;
  private final Map<Claim, CompletableFuture<Fetched>> inFlight = new ConcurrentHashMap<>();
  private final LongAdder sourceReads = new LongAdder();
  private final StoredDerivedState derivedState;
  /** Bound on one coalesced read, so a sparse batch never turns into one huge allocation. */
  private static final long MAX_COALESCED_BYTES = 64L << 20;

  /** Bytes of one page read from the source (or copied from the store), and their CRC32C. */
  record Fetched(byte[] bytes, int crc32c) {}

  /**
   * One read in flight: a page and the length it was planned with. Why the length: two plans of
   * one file version may give a page different lengths (page tables from different sources), and
   * a lookup answered with bytes of another length than its header announces ships a payload
   * whose every later page is shifted, which the client sees as checksum failures.
   */
  private record Claim(PageKey key, int length) {}

  PageCache(PageStore store, Executor loader) {
    this.store = store;
    this.reads = new StoreReads(store);
    this.loader = loader;
    this.derivedState = new StoredDerivedState(store);
  }

  /** How hits are read: on the event loop, or off it while the disk is slow. */
  StoreReads reads() {
    return reads;
  }

  PageStoreStats stats() {
    return store.stats();
  }

  /** Pages read from the source because the store did not have them (one per miss, not per waiter). */
  long sourceReads() {
    return sourceReads.sum();
  }

  /** The metadata cache's derived records kept in this cache's store ({@link StoredDerivedState}). */
  StoredDerivedState derivedState() {
    return derivedState;
  }

  /**
   * Fills {@code parts[first + i]} and {@code crcs[first + i]} for each page of one file version.
   * Completes on the caller's thread when every page is a hit, else on the loader.
   *
   * @param suspects offsets the client found corrupt: dropped from the store and read again
   * @param deadline the request's: a remote read this call starts ends with it (a lookup that joins
   *     another's read in flight shares that read's fate)
   */
  CompletableFuture<Void> resolve(OpenFile file, long[] offsets, int[] lengths, Set<Long> suspects, int first,
      PagePart[] parts, int[] crcs, Deadline deadline) {
    String version = versionKey(file);
    CompletableFuture<?>[] misses = null;
    int missCount = 0;
    Batch batch = null;
    RepagedPagesMissing repagedMissing = null;
    for (int i = 0; i < offsets.length; i++) {
      PageKey key = PageKey.of(version, offsets[i]);
      if (RepagedAddress.isRepaged(offsets[i])) { // lives only in the store: a miss cannot be read from the file
        PagePart.Stored stored = repagedHit(key, lengths[i], suspects.contains(offsets[i]), !suspects.isEmpty());
        if (stored != null) {
          parts[first + i] = stored;
          crcs[first + i] = stored.handle().crc32c();
        } else {
          repagedMissing = repagedMissing == null ? new RepagedPagesMissing(file.version(), version) : repagedMissing;
          repagedMissing.add(offsets[i]);
        }
        continue;
      }
      if (suspects.contains(offsets[i])) {
        store.reportCorrupt(key);
      } else if (reads.slow()) { // the disk is slow: the store's copy off the loop, else the source's
        if (misses == null) {
          misses = new CompletableFuture<?>[offsets.length - i];
        }
        misses[missCount++] = offLoop(file, key, offsets[i], lengths[i], first + i, parts, crcs, deadline);
        continue;
      } else {
        PageHandle hit = reads.onLoop(key);
        if (hit != null && hit.length() == lengths[i] && (suspects.isEmpty() || intact(hit))) {
          parts[first + i] = new PagePart.Stored(hit);
          crcs[first + i] = hit.crc32c();
          continue;
        }
        if (hit != null) { // another length, or (on a retry) bytes that fail their CRC32C: the store is wrong
          hit.release();
          store.reportCorrupt(key);
        }
      }
      int slot = first + i;
      CompletableFuture<Fetched> mine = new CompletableFuture<>();
      Claim claim = new Claim(key, lengths[i]);
      CompletableFuture<Fetched> existing = inFlight.putIfAbsent(claim, mine);
      if (existing == null && !reads.slow() && storedMeanwhile(claim, mine)) {
        existing = mine; // completed from the store: no read of the source
      }
      if (existing == null) {
        if (batch == null) {
          batch = new Batch(file, offsets.length - i, deadline);
        }
        batch.add(claim, offsets[i], mine);
      }
      CompletableFuture<Void> miss = (existing == null ? mine : existing).thenAccept(fetched -> {
        parts[slot] = new PagePart.Fetched(fetched.bytes());
        crcs[slot] = fetched.crc32c();
      });
      if (misses == null) {
        misses = new CompletableFuture<?>[offsets.length - i];
      }
      misses[missCount++] = miss;
    }
    if (batch != null) {
      submit(batch);
    }
    CompletableFuture<Void> all = misses == null ? CompletableFuture.completedFuture(null)
        : CompletableFuture.allOf(java.util.Arrays.copyOf(misses, missCount));
    if (repagedMissing != null) {
      RepagedPagesMissing failure = repagedMissing;
      // fail only once every part is in place, so that the caller releases them all
      return all.handle((v, e) -> {
        throw new java.util.concurrent.CompletionException(failure);
      });
    }
    return all;
  }

  /** A re-paged page from the store, or null when it is gone or the client found it corrupt. */
  private PagePart.Stored repagedHit(PageKey key, int length, boolean suspect, boolean checked) {
    if (suspect) {
      store.reportCorrupt(key);
      return null;
    }
    PageHandle hit = reads.onLoop(key);
    if (hit != null && (hit.length() != length || (checked && !intact(hit)))) {
      hit.release();
      store.reportCorrupt(key);
      return null;
    }
    return hit == null ? null : new PagePart.Stored(hit);
  }

  /**
   * One page while the store is slow: its copy from the store, read off the loop within the bound,
   * or else the source's read (joining one in flight). Holds a reference on {@code file} until the
   * page is in place, since the source read may start after the caller has let its own go.
   */
  private CompletableFuture<Void> offLoop(OpenFile file, PageKey key, long offset, int length, int slot,
      PagePart[] parts, int[] crcs, Deadline deadline) {
    file.retain();
    CompletableFuture<Void> page = reads.offLoop(key, length, deadline)
        .thenCompose(copy -> copy != null ? CompletableFuture.completedFuture(copy)
            : fromSource(file, key, offset, length, deadline))
        .thenAccept(fetched -> {
          parts[slot] = new PagePart.Fetched(fetched.bytes());
          crcs[slot] = fetched.crc32c();
        });
    page.whenComplete((v, e) -> file.release());
    return page;
  }

  /** One page from the source: a read of its own, or the one in flight for it. */
  private CompletableFuture<Fetched> fromSource(OpenFile file, PageKey key, long offset, int length, Deadline deadline) {
    Claim claim = new Claim(key, length);
    CompletableFuture<Fetched> mine = new CompletableFuture<>();
    CompletableFuture<Fetched> existing = inFlight.putIfAbsent(claim, mine);
    if (existing != null) {
      return existing;
    }
    Batch batch = new Batch(file, 1, deadline);
    batch.add(claim, offset, mine);
    submit(batch);
    return mine;
  }

  /**
   * Whether a stored page's bytes still match its CRC32C. Checked only for a lookup that reports
   * suspect pages: the client found corruption, and the pages of its retry may differ from the
   * ones it reported (a re-paged chunk dropped for a bad page is answered with the file's pages,
   * which may sit on the same bad disk), so the retry's stored pages are verified before they go.
   */
  private static boolean intact(PageHandle hit) {
    try {
      CRC32C crc = new CRC32C();
      crc.update(hit.slice());
      return (int) crc.getValue() == hit.crc32c();
    } catch (RuntimeException | InternalError e) { // an unusable map, a fault under a mapped read
      return false;
    }
  }

  /**
   * Closes the single-flight gap between "not in the store" and "not in flight": another lookup's
   * read may have stored the page and left the in-flight map in between. Having just claimed the
   * page, look in the store once more; if it is there, answer this claim from it (a copy of the
   * stored bytes, with their CRC32C) and give the claim up.
   */
  private boolean storedMeanwhile(Claim page, CompletableFuture<Fetched> claim) {
    int length = page.length();
    PageHandle late = store.get(page.key());
    if (late == null) {
      return false;
    }
    try {
      if (late.length() != length) {
        return false;
      }
      byte[] bytes = new byte[length];
      late.slice().duplicate().get(bytes);
      claim.complete(new Fetched(bytes, late.crc32c()));
      return true;
    } finally {
      late.release();
      if (claim.isDone()) {
        inFlight.remove(page, claim);
      }
    }
  }

  /**
   * The misses of one lookup in one file that this call reads (others are in flight already),
   * in ascending offset order.
   */
  private static final class Batch {
    final OpenFile file;
    final Deadline deadline;
    final Claim[] claims;
    final long[] offsets;
    final int[] lengths;
    @SuppressWarnings("unchecked")
    final CompletableFuture<Fetched>[] futures;
    int count;

    @SuppressWarnings("unchecked")
    Batch(OpenFile file, int capacity, Deadline deadline) {
      this.file = file;
      this.deadline = deadline;
      this.claims = new Claim[capacity];
      this.offsets = new long[capacity];
      this.lengths = new int[capacity];
      this.futures = new CompletableFuture[capacity];
    }

    void add(Claim claim, long offset, CompletableFuture<Fetched> future) {
      claims[count] = claim;
      offsets[count] = offset;
      lengths[count] = claim.length();
      futures[count++] = future;
    }
  }

  /**
   * Reads a batch: pages whose gap is at most the file's coalescing gap share one read (one
   * ranged GET for a remote file, during which no thread waits), each page is answered as soon
   * as its read is done, then offered to the store, and only then leaves the in-flight map, so a
   * concurrent lookup finds either the read or the stored page.
   */
  private void submit(Batch batch) {
    OpenFile file = batch.file;
    file.retain();
    List<CompletableFuture<Void>> spans = new ArrayList<>();
    int start = 0;
    while (start < batch.count) {
      int end = start + 1;
      long spanEnd = batch.offsets[start] + batch.lengths[start];
      while (end < batch.count && batch.offsets[end] - spanEnd <= file.coalesceGapBytes()
          && batch.offsets[end] + batch.lengths[end] - batch.offsets[start] <= MAX_COALESCED_BYTES) {
        spanEnd = Math.max(spanEnd, batch.offsets[end] + batch.lengths[end]);
        end++;
      }
      int from = start;
      int to = end;
      long spanStart = batch.offsets[from];
      int spanLength = (int) (spanEnd - spanStart);
      CompletableFuture<Void> delivered = new CompletableFuture<>();
      BiConsumer<byte[], Throwable> then = (bytes, error) -> deliver(batch, from, to, spanStart, bytes, error, delivered);
      try {
        if (file.isRemote()) {
          // No thread waits on the GET; its pages are answered and stored from the loader.
          file.remoteS3().readAsync(spanStart, spanLength, batch.deadline).whenCompleteAsync(then, loader).exceptionally(failure -> {
            if (!delivered.isDone()) { // the loader refused the task (closing): fail the waiters here
              then.accept(null, failure);
            }
            return null;
          });
        } else {
          loader.execute(() -> {
            byte[] bytes = new byte[spanLength];
            try {
              file.readFully(spanStart, ByteBuffer.wrap(bytes));
            } catch (IOException | RuntimeException e) {
              then.accept(null, e);
              return;
            }
            then.accept(bytes, null);
          });
        }
      } catch (RuntimeException e) { // RejectedExecutionException when the worker is closing
        then.accept(null, e);
      }
      spans.add(delivered);
      start = end;
    }
    CompletableFuture.allOf(spans.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> file.release());
  }

  /** Answers pages [from, to) of a batch from one read, then offers them to the store; on the loader. */
  private void deliver(Batch batch, int from, int to, long spanStart, byte[] span, Throwable error,
      CompletableFuture<Void> delivered) {
    try {
      if (error != null) {
        Throwable cause = TableService.unwrap(error);
        for (int i = from; i < to; i++) {
          batch.futures[i].completeExceptionally(cause);
          inFlight.remove(batch.claims[i], batch.futures[i]);
        }
        return;
      }
      Fetched[] fetched = new Fetched[to - from];
      for (int i = from; i < to; i++) {
        sourceReads.increment();
        int at = (int) (batch.offsets[i] - spanStart);
        byte[] bytes = java.util.Arrays.copyOfRange(span, at, at + batch.lengths[i]);
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        fetched[i - from] = new Fetched(bytes, (int) crc.getValue());
        batch.futures[i].complete(fetched[i - from]); // the answer goes on first
      }
      for (int i = from; i < to; i++) {
        try {
          if (!store.put(batch.claims[i].key(), ByteBuffer.wrap(fetched[i - from].bytes()))) {
            log.debug("page store declined {}", batch.claims[i].key());
          }
        } catch (RuntimeException e) {
          log.warn("page store put of {} failed", batch.claims[i].key(), e);
        } finally {
          inFlight.remove(batch.claims[i], batch.futures[i]);
        }
      }
    } finally {
      delivered.complete(null);
    }
  }

  /** The store's name for a file version: path, size and version token. */
  static String versionKey(OpenFile file) {
    return file.versionKey();
  }

  static String versionKey(io.needle.metadata.FileVersion version) {
    return version.path() + "|" + version.wireToken();
  }

  /** The store, for re-paging and key indexes, which write their records there directly. */
  PageStore store() {
    return store;
  }

  @Override
  public void close() {
    reads.close();
    store.close();
  }
}
