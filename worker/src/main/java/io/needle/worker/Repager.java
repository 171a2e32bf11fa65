package io.needle.worker;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.needle.decode.ChunkPageReader;
import io.needle.decode.DecodeException;
import io.needle.decode.FileSchema;
import io.needle.metadata.ChunkLayout;
import io.needle.metadata.ColumnPlan;
import io.needle.metadata.FilePlan;
import io.needle.metadata.FileVersion;
import io.needle.metadata.MetadataCache;
import io.needle.metadata.PageRef;
import io.needle.metadata.RepagedChunk;
import io.needle.metadata.RowGroupPlan;
import io.needle.pagestore.PageHandle;
import io.needle.pagestore.PageKey;
import io.needle.pagestore.PageStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.CRC32C;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.format.CompressionCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-paging inside the cache: a column chunk whose pages are too big to ship for one row is
 * rewritten once into small pages ({@link ChunkRewriter}), stored in the page store under the
 * file version, and served instead of the file's pages. The lake is untouched; the client decodes
 * the small pages like any others.
 *
 * <p>Trigger: a planned lookup ships a data or dictionary page longer than
 * {@link RepagingConfig#triggerPageBytes}, or more than that of a column whose page first rows are
 * unknown (the whole chunk goes out then). Checked by {@link #consider} after planning, on the
 * lookup's thread, without I/O.
 *
 * <p>When and where: the first such lookup starts the work and is itself answered with the file's
 * pages, as every lookup is until the chunk is published; none waits for re-paging. The work runs
 * on {@link RepagingConfig#threads} daemon threads with a bounded queue (a full queue skips the
 * chunk; a later lookup asks again), single-flight per chunk. It first looks in the store for the
 * chunk's page table ({@link RepagedTableCodec}, at {@link RepagedAddress#table}): a restarted
 * worker, or one whose metadata entry was evicted, loads it instead of re-paging. Otherwise it
 * reads the chunk from the source once, writes each small page to the store (checking that the
 * store holds exactly these bytes), then the page table, and only then publishes the chunk to
 * the metadata cache: a plan never names a re-paged page that was not stored.
 *
 * <p>Afterwards: if a re-paged page leaves the store (region eviction) or fails a client's
 * checksum, the lookup that finds it missing drops the chunk ({@link #drop}) and is planned again
 * on the file's pages; a later lookup re-pages it (one re-paged only for its rows, next time a
 * column of its row group triggers: until then its lookups decode the file's longer pages). Attempts that fail (chunk larger than
 * {@link RepagingConfig#maxChunkBytes}, store full, undecodable data, I/O error) are not retried
 * for {@link #DECLINE_TTL}.
 */
final class Repager implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Repager.class);
  static final Duration DECLINE_TTL = Duration.ofMinutes(1);

  private final RepagingConfig config;
  private final PageStore store;
  private final MetadataCache metadata;
  /** Fingerprint of the settings that shape re-paged pages; a stored table of others is re-paged. */
  private final long settings;
  private final ThreadPoolExecutor threads;
  /** Set by {@link #close}: builds stop between pages instead of being interrupted. */
  private volatile boolean closed;
  private final Map<ChunkId, CompletableFuture<Void>> running = new ConcurrentHashMap<>();
  private final Cache<ChunkId, String> declined;
  private final LongAdder repaged = new LongAdder();
  private final LongAdder loaded = new LongAdder();
  private final LongAdder declines = new LongAdder();
  private final LongAdder drops = new LongAdder();
  private final LongAdder sourceBytes = new LongAdder();
  private final LongAdder storedBytes = new LongAdder();
  private final LongAdder buildNanos = new LongAdder();

  record ChunkId(String versionKey, int rowGroup, int leaf) {}

  Repager(RepagingConfig config, PageStore store, MetadataCache metadata) {
    this.config = config;
    this.store = store;
    this.metadata = metadata;
    this.settings = PageKey.hashVersion("repage/v1/" + config.targetPageBytes() + "/" + config.maxPageRows() + "/"
        + config.keyPageRows() + "/" + config.codec());
    this.declined = Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(DECLINE_TTL).build();
    AtomicInteger n = new AtomicInteger();
    this.threads = new ThreadPoolExecutor(config.threads(), config.threads(), 30, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(config.queuedChunks()), r -> {
          Thread t = new Thread(r, "needle-repager-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    this.threads.allowCoreThreadTimeOut(true);
  }

  /**
   * Starts re-paging the chunks of every row group where {@code plan} ships a page too big for one
   * row. The other planned columns of that row group are considered too: a page can be small once
   * compressed and still hold a hundred thousand rows to decode for one (sorted or repetitive
   * values), which only its row count shows; {@link #run} re-pages those whose pages hold more than
   * {@link RepagingConfig#maxPageRows} rows. The key column's pages are cut at
   * {@link RepagingConfig#keyPageRows} rows: the planner selects the other columns' pages by the
   * rows of the key page, so a narrow key page selects about one page of each other column. Any
   * thread; never blocks.
   */
  void consider(OpenFile file, FilePlan plan) {
    String versionKey = null;
    for (RowGroupPlan rowGroup : plan.rowGroups()) {
      List<ColumnPlan> columns = rowGroup.columns();
      boolean any = false;
      for (int c = 0; c < columns.size() && !any; c++) {
        any = tooBig(columns.get(c));
      }
      if (!any) {
        continue;
      }
      versionKey = versionKey == null ? PageCache.versionKey(file) : versionKey;
      for (int c = 0; c < columns.size(); c++) { // the planner puts the key column first
        ColumnPlan column = columns.get(c);
        if (!isRepaged(column)) {
          start(file, new ChunkId(versionKey, rowGroup.rowGroup(), column.leaf()), c == 0, tooBig(column));
        }
      }
    }
  }

  private static boolean isRepaged(ColumnPlan column) {
    return !column.dataPages().isEmpty() && RepagedAddress.isRepaged(column.dataPages().get(0).offset());
  }

  private boolean tooBig(ColumnPlan column) {
    int trigger = config.triggerPageBytes();
    long sum = 0;
    boolean rowsUnknown = false;
    if (isRepaged(column)) {
      return false;
    }
    for (PageRef page : column.dataPages()) {
      if (page.length() > trigger) {
        return true;
      }
      sum += page.length();
      rowsUnknown |= page.firstRow() < 0;
    }
    return (rowsUnknown && sum > trigger) || (column.dictionary() != null && column.dictionary().length() > trigger);
  }

  /**
   * @param asKey re-page as the key column: {@link RepagingConfig#keyPageRows} rows per page
   * @param tooBig its pages are too big: re-page it whatever their rows
   */
  private void start(OpenFile file, ChunkId id, boolean asKey, boolean tooBig) {
    if (running.containsKey(id) || declined.getIfPresent(id) != null) {
      return;
    }
    CompletableFuture<Void> mine = new CompletableFuture<>();
    if (running.putIfAbsent(id, mine) != null) {
      return;
    }
    file.retain();
    try {
      threads.execute(() -> {
        try {
          run(file, id, asKey, tooBig);
        } finally {
          file.release();
          running.remove(id, mine);
          mine.complete(null);
        }
      });
    } catch (RejectedExecutionException e) { // queue full, or closing: a later lookup asks again
      file.release();
      running.remove(id, mine);
      mine.complete(null);
    }
  }

  private void run(OpenFile file, ChunkId id, boolean asKey, boolean tooBig) {
    FileVersion version = file.version();
    int rowGroup = id.rowGroup();
    int leaf = id.leaf();
    if (metadata.repaged(version, rowGroup, leaf) != null) {
      return;
    }
    ChunkLayout layout = metadata.chunkLayout(version, rowGroup, leaf);
    if (layout == null) {
      log.debug("not re-paging {} now: the file's metadata left the cache", id);
      return; // a later lookup asks again
    }
    int enoughRows = asKey ? config.keyPageRows() : config.maxPageRows();
    if (!tooBig && layout.maxPageRows() >= 0 && layout.maxPageRows() <= enoughRows) {
      declined.put(id, "not needed"); // not an attempt given up: nothing to gain
      log.debug("not re-paging {}: its pages hold at most {} rows already", id, layout.maxPageRows());
      return;
    }
    if (!RepagedAddress.fits(rowGroup, leaf)) {
      decline(id, "row group or leaf index beyond the re-paged address space");
      return;
    }
    RepagedChunk stored = storedChunk(id);
    if (stored != null) {
      if (metadata.publishRepaged(version, stored)) {
        loaded.increment();
      }
      return;
    }
    if (layout.end() - layout.start() > config.maxChunkBytes()) {
      decline(id, "chunk of " + (layout.end() - layout.start()) + " bytes is over the limit of " + config.maxChunkBytes());
      return;
    }
    Written written = new Written(id);
    try {
      build(file, layout, written, asKey ? config.keyPageRows() : config.maxPageRows());
    } catch (IOException | DecodeException | RuntimeException e) {
      written.invalidate(store);
      decline(id, e.toString());
      if (e instanceof RuntimeException) {
        log.warn("re-paging {} failed", id, e);
      }
    }
  }

  private void build(OpenFile file, ChunkLayout layout, Written written, int maxPageRows)
      throws IOException, DecodeException {
    long started = System.nanoTime();
    ChunkId id = written.id;
    byte[] bytes = readChunk(file, layout.start(), (int) (layout.end() - layout.start()));
    sourceBytes.add(bytes.length);
    FileSchema schema = FileSchema.parse(layout.schema().thriftFileMetaData());
    ColumnDescriptor column = schema.messageType().getColumns().get(id.leaf());
    ChunkPageReader pages = ChunkPageReader.over(ResponseAssembler.wireCodec(layout.codec()), column, bytes);
    CompressionCodec codec = ChunkRewriter.outputCodec(config.codec(), layout.codec());
    long rows = ChunkRewriter.rewrite(schema.messageType(), column, pages, schema.createdBy(), config, maxPageRows, codec,
        layout.keyCandidate(), (page, firstRow, pageRows, min, max) -> {
          if (closed) {
            throw new IOException("the worker is closing: re-paging of " + id + " stopped");
          }
          long t0 = System.nanoTime();
          long address = RepagedAddress.page(id.rowGroup(), id.leaf(), written.nextOffset);
          if (!putVerified(PageKey.of(id.versionKey(), address), page)) {
            throw new IOException("the page store did not take a re-paged page (full, or admission declined it)");
          }
          written.add(address, page.length, firstRow, min, max);
          written.storeNanos += System.nanoTime() - t0;
        });
    if (written.count == 0 || rows != layout.rowCount()) {
      throw new DecodeException(DecodeException.Kind.CORRUPT, "chunk holds " + rows + " rows, its row group "
          + layout.rowCount());
    }
    RepagedChunk chunk = written.chunk(codec);
    PageKey table = PageKey.of(id.versionKey(), RepagedAddress.table(id.rowGroup(), id.leaf()));
    if (!putVerified(table, RepagedTableCodec.encode(chunk, settings))) {
      throw new IOException("the page store did not take the page table of a re-paged chunk");
    }
    written.tableStored = true;
    metadata.publishRepaged(layout.version(), chunk);
    repaged.increment();
    storedBytes.add(chunk.totalBytes());
    buildNanos.add(System.nanoTime() - started);
    log.debug("re-paged {}: {} bytes in {} pages into {} bytes in {} pages in {} ms ({} ms storing)", id, bytes.length,
        pages.dataPageCount(), chunk.totalBytes(), chunk.pageCount(), (System.nanoTime() - started) / 1_000_000,
        written.storeNanos / 1_000_000);
  }

  /**
   * The chunk's bytes. An S3 object is read with one asynchronous GET this thread waits for:
   * its blocking {@code readFully} holds the object's lock during the GET, which the event loop
   * takes to serve page misses.
   */
  private static byte[] readChunk(OpenFile file, long start, int length) throws IOException {
    if (file.isRemote()) {
      try {
        return file.remoteS3().readAsync(start, length, Deadline.never()).join();
      } catch (java.util.concurrent.CompletionException e) {
        Throwable cause = TableService.unwrap(e);
        throw cause instanceof IOException io ? io : new IOException("reading a chunk of " + file.version().path(), cause);
      }
    }
    byte[] bytes = new byte[length];
    file.readFully(start, ByteBuffer.wrap(bytes));
    return bytes;
  }

  /**
   * Stores {@code bytes} and checks that the store now holds exactly them: an earlier build (other
   * settings, an interrupted attempt) may have left other bytes under the same address, which
   * {@code put} would keep.
   */
  private boolean putVerified(PageKey key, byte[] bytes) {
    CRC32C crc = new CRC32C();
    crc.update(bytes);
    for (int attempt = 0; attempt < 2; attempt++) {
      if (!store.put(key, ByteBuffer.wrap(bytes))) {
        return false;
      }
      PageHandle held = store.get(key);
      if (held == null) {
        return false;
      }
      try {
        if (held.length() == bytes.length && held.crc32c() == (int) crc.getValue()) {
          return true;
        }
      } finally {
        held.release();
      }
      store.invalidate(key);
    }
    return false;
  }

  /** The chunk's stored page table, or null when absent, corrupt or made with other settings. */
  private RepagedChunk storedChunk(ChunkId id) {
    PageKey key = PageKey.of(id.versionKey(), RepagedAddress.table(id.rowGroup(), id.leaf()));
    PageHandle held = store.get(key);
    if (held == null) {
      return null;
    }
    try {
      ByteBuffer bytes = held.slice();
      CRC32C crc = new CRC32C();
      crc.update(bytes.duplicate());
      if ((int) crc.getValue() != held.crc32c()) {
        store.reportCorrupt(key);
        return null;
      }
      return RepagedTableCodec.decode(bytes, settings, id.rowGroup(), id.leaf());
    } catch (RuntimeException e) { // an unusable map of the store: as if absent
      log.debug("reading the page table of {} failed: {}", id, e.toString());
      return null;
    } finally {
      held.release();
    }
  }

  /**
   * A lookup found re-paged page {@code address} missing from the store (evicted, or dropped as
   * corrupt): serve the file's pages for its chunk again, and forget its page table so that the
   * next trigger re-pages it.
   */
  void drop(FileVersion version, String versionKey, long address) {
    int rowGroup = RepagedAddress.rowGroup(address);
    int leaf = RepagedAddress.leaf(address);
    metadata.dropRepaged(version, rowGroup, leaf);
    store.invalidate(PageKey.of(versionKey, RepagedAddress.table(rowGroup, leaf)));
    drops.increment();
  }

  private void decline(ChunkId id, String why) {
    declined.put(id, why);
    declines.increment();
    log.debug("not re-paging {}: {}", id, why);
  }

  RepagingStats stats() {
    return new RepagingStats(repaged.sum(), loaded.sum(), declines.sum(), drops.sum(), sourceBytes.sum(),
        storedBytes.sum(), buildNanos.sum(), running.size());
  }

  /** Completes when the re-paging under way now has ended (test and benchmark hook). */
  CompletableFuture<Void> idle() {
    return CompletableFuture.allOf(running.values().toArray(CompletableFuture[]::new));
  }

  @Override
  public void close() {
    // Never interrupt a build: an interrupt in FileChannel I/O closes the page store's channel for
    // every user, and the store could then not seal its open region on the way down. Queued builds
    // are dropped; running ones stop at their next page.
    closed = true;
    threads.getQueue().clear();
    threads.shutdown();
    try {
      threads.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The pages a build has stored so far, and how to forget them if it fails. */
  private static final class Written {
    final ChunkId id;
    long nextOffset;
    long storeNanos;
    boolean tableStored;
    private long[] addresses = new long[64];
    private int[] lengths = new int[64];
    private long[] firstRows = new long[64];
    private byte[][] mins = new byte[64][];
    private byte[][] maxs = new byte[64][];
    private boolean bounded;
    int count;

    Written(ChunkId id) {
      this.id = id;
    }

    void add(long address, int length, long firstRow, byte[] min, byte[] max) {
      if (count == addresses.length) {
        int n = count * 2;
        addresses = Arrays.copyOf(addresses, n);
        lengths = Arrays.copyOf(lengths, n);
        firstRows = Arrays.copyOf(firstRows, n);
        mins = Arrays.copyOf(mins, n);
        maxs = Arrays.copyOf(maxs, n);
      }
      addresses[count] = address;
      lengths[count] = length;
      firstRows[count] = firstRow;
      mins[count] = min;
      maxs[count] = max;
      bounded |= min != null;
      count++;
      nextOffset += length;
    }

    RepagedChunk chunk(CompressionCodec codec) {
      return new RepagedChunk(id.rowGroup(), id.leaf(), codec, Arrays.copyOf(addresses, count), Arrays.copyOf(lengths, count),
          Arrays.copyOf(firstRows, count), bounded ? Arrays.copyOf(mins, count) : null,
          bounded ? Arrays.copyOf(maxs, count) : null);
    }

    void invalidate(PageStore store) {
      for (int i = 0; i < count; i++) {
        store.invalidate(PageKey.of(id.versionKey(), addresses[i]));
      }
      if (tableStored) {
        store.invalidate(PageKey.of(id.versionKey(), RepagedAddress.table(id.rowGroup(), id.leaf())));
      }
    }
  }
}
