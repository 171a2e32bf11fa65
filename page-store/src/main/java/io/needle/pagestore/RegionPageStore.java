package io.needle.pagestore;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The page store as a log of regions (DESIGN.md, "Page store as a log of regions").
 *
 * <p>Files in the directory: {@code lock} (an OS file lock: one store per directory),
 * {@code store.meta} (identity and geometry, {@link StoreMeta}) and {@code regions.dat}, one file
 * of {@code regionCount x regionBytes} cut into regions ({@link RecordFormat} has the layout). No
 * file name derives from a user path.
 *
 * <p>Writes: pages are appended to the one open region with positional writes (payload first,
 * then the record header, then the index entry), so a reader that finds an index entry finds a
 * complete record. A full region is sealed: synced, then its seal block written. When no region
 * is free, the eviction policy retires a sealed region: it stops taking pins, its index entries
 * are removed, and it is reused once the last pin is released. A fresh region's blocks are
 * allocated (zero-filled) when it is first opened, so ENOSPC surfaces there, where it makes the
 * store evict and reuse space it already owns, and never in the middle of a page.
 *
 * <p>Reads: index lookup (lock-free), pin the region for the entry's generation, check the record
 * header on the mapped file against the key, length and CRC; any disagreement is a miss. A hit
 * returns a {@link PageHandle} holding the pin.
 *
 * <p>Restart: region headers with this store's id are scanned in generation order, later records
 * of a key replacing earlier ones. Sealed regions are trusted up to their sealed end (header CRC
 * per record); regions that were open at a crash are verified page by page (payload CRC32C) and
 * cut at the first record that does not verify — the torn tail. Then they are sealed.
 *
 * <p>Threading: one write lock serializes put, invalidate, eviction and close; gets never take
 * it. Counters are LongAdders.
 */
final class RegionPageStore implements PageStore {
  private static final Logger LOG = LoggerFactory.getLogger(RegionPageStore.class);
  static final String REGION_FILE = "regions.dat";
  static final String LOCK_FILE = "lock";
  private static final int ZERO_FILL_BYTES = 1 << 20;
  private static final int MAX_CHUNK_BYTES = 1 << 30;

  private final PageStoreConfig config;
  private final IoFaults faults;
  private final Path directory;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final FileChannel channel;
  private final long storeId;
  private final Region[] regions;
  private final PageIndex index;
  private final RegionEvictor evictor;
  private final FrequencySketch sketch;
  private final int regionBytes;

  private final ReentrantLock writeLock = new ReentrantLock();
  private final ArrayDeque<Region> freeAllocated = new ArrayDeque<>();
  private final ArrayDeque<Region> freeUnallocated = new ArrayDeque<>();
  private final List<Region> draining = new ArrayList<>();
  private Region open;
  private long nextSeq = 1;
  private long lastAllocationFailureNanos;
  private boolean allocationFailed;
  /** How long to wait before trying to allocate fresh disk blocks again after ENOSPC. */
  long allocationRetryNanos = TimeUnit.SECONDS.toNanos(1);
  private volatile boolean closed;
  private volatile boolean degraded;
  private volatile long cachedBytes;

  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder hitBytes = new LongAdder();
  private final LongAdder puts = new LongAdder();
  private final LongAdder putBytes = new LongAdder();
  private final LongAdder admissionRejections = new LongAdder();
  private final LongAdder noSpaceRejections = new LongAdder();
  private final LongAdder writeFailures = new LongAdder();
  private final LongAdder readFailures = new LongAdder();
  private final LongAdder corruptPages = new LongAdder();
  private final LongAdder evictedRegions = new LongAdder();
  private final LongAdder evictedPages = new LongAdder();
  private final LongAdder fillNanos = new LongAdder();
  private volatile long fillNanosMax;
  private long recoveredPages;
  private long tornRecordsDropped;

  private RegionPageStore(PageStoreConfig config, IoFaults faults, FileChannel lockChannel, FileLock lock,
      FileChannel channel, StoreMeta meta, boolean warm) throws IOException {
    this.config = config;
    this.faults = faults;
    this.directory = config.directory();
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.channel = channel;
    this.storeId = meta.storeId();
    this.regionBytes = config.regionBytes();
    int regionCount = config.regionCount();
    this.regions = mapRegions(channel, regionCount, regionBytes);
    long expectedPages = config.capacityBytes() / config.expectedPageBytes();
    this.index = new PageIndex(expectedPages);
    this.evictor = RegionEvictor.of(config.evictionPolicy(), regionCount);
    this.sketch = config.admission() ? new FrequencySketch(expectedPages) : null;
    if (warm) {
      recover();
    } else {
      for (Region r : regions) {
        freeUnallocated.add(r);
      }
    }
  }

  static RegionPageStore open(PageStoreConfig config, IoFaults faults) throws IOException {
    requireNonNull(config, "config is null");
    Path dir = config.directory();
    Files.createDirectories(dir);
    Path lockFile = dir.resolve(LOCK_FILE);
    FileChannel lockChannel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = lockChannel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    } catch (IOException e) {
      lockChannel.close();
      throw e;
    }
    if (lock == null) {
      lockChannel.close();
      throw new PageStoreLockedException(lockFile);
    }
    FileChannel channel = null;
    try {
      long fileBytes = (long) config.regionCount() * config.regionBytes();
      StoreMeta expected = new StoreMeta(config.regionBytes(), config.regionCount(), 0,
          StoreMeta.identityHash(config.identity()));
      StoreMeta found = StoreMeta.read(dir);
      Path regionFile = dir.resolve(REGION_FILE);
      String coldReason = StoreMeta.mismatch(found, expected);
      if (coldReason == null && (!Files.exists(regionFile) || Files.size(regionFile) != fileBytes)) {
        coldReason = REGION_FILE + " missing or of the wrong size";
      }
      StoreMeta meta = found;
      if (coldReason != null) {
        if (found != null || Files.exists(regionFile)) {
          LOG.warn("page store {} starts cold: {}; previous contents discarded", dir, coldReason);
        }
        Files.deleteIfExists(regionFile);
        meta = new StoreMeta(expected.regionBytes(), expected.regionCount(), newStoreId(), expected.identityHash());
      }
      channel = FileChannel.open(regionFile, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      if (channel.size() != fileBytes) {
        channel.write(ByteBuffer.wrap(new byte[1]), fileBytes - 1); // sparse: blocks come when regions open
      }
      if (coldReason != null) {
        meta.write(dir); // after the region file exists, so a valid meta always has one
      }
      RegionPageStore store = new RegionPageStore(config, faults, lockChannel, lock, channel, meta, coldReason == null);
      LOG.info("page store {} open: {} regions of {} bytes, {} pages recovered", dir, config.regionCount(),
          config.regionBytes(), store.recoveredPages);
      return store;
    } catch (IOException | RuntimeException e) {
      if (channel != null) {
        channel.close();
      }
      lock.release();
      lockChannel.close();
      throw e;
    }
  }

  private static long newStoreId() {
    long id;
    do {
      id = new SecureRandom().nextLong();
    } while (id == 0);
    return id;
  }

  private static Region[] mapRegions(FileChannel channel, int regionCount, int regionBytes) throws IOException {
    Region[] regions = new Region[regionCount];
    int regionsPerChunk = Math.max(1, MAX_CHUNK_BYTES / regionBytes);
    for (int first = 0; first < regionCount; first += regionsPerChunk) {
      int n = Math.min(regionsPerChunk, regionCount - first);
      long chunkStart = (long) first * regionBytes;
      ByteBuffer chunk = channel.map(FileChannel.MapMode.READ_ONLY, chunkStart, (long) n * regionBytes)
          .order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < n; i++) {
        int r = first + i;
        regions[r] = new Region(r, (long) r * regionBytes, regionBytes, channel, chunk, i * regionBytes);
      }
    }
    return regions;
  }

  // ---------------------------------------------------------------- reads

  @Override
  public PageHandle get(PageKey key) {
    requireNonNull(key, "key is null");
    if (closed) {
      misses.increment();
      return null;
    }
    if (sketch != null) {
      sketch.increment(keyHash(key));
    }
    long[] entry = new long[2];
    if (!index.find(key.versionHash(), key.slot(), entry)) {
      misses.increment();
      return null;
    }
    long location = entry[0];
    int length = (int) (entry[1] >>> 32);
    int crc = (int) entry[1];
    Region region = regions[PageIndex.region(location)];
    if (!region.tryAcquire(PageIndex.generation(location))) {
      misses.increment();
      return null;
    }
    int recordOffset = PageIndex.recordOffset(location);
    boolean ok;
    try {
      faults.beforeRead(region.fileOffset() + recordOffset, RecordFormat.RECORD_HEADER_BYTES);
      ok = RecordFormat.holds(region, recordOffset, region.seq(), key, length, crc);
      if (ok && config.verifyOnRead()) {
        int payload = recordOffset + RecordFormat.payloadStart(key.versionUtf8().length);
        if (RecordFormat.crc32c(region.window(payload, length)) != crc) {
          corruptPages.increment();
          ok = false;
        }
      }
    } catch (IOException | InternalError e) { // InternalError: a fault in a mapped read (SIGBUS)
      readFailures.increment();
      LOG.warn("page store read failed at region {} offset {}; dropping the page: {}", region.index(), recordOffset,
          e.toString());
      ok = false;
    }
    if (!ok) {
      region.release();
      dropStale(key, location);
      misses.increment();
      return null;
    }
    evictor.onAccess(region.index());
    hits.increment();
    hitBytes.add(length);
    return new PageHandle(region, recordOffset + RecordFormat.payloadStart(key.versionUtf8().length), length, crc);
  }

  /** A read found the entry unusable: drop it if the writer is idle, else leave it to the next read. */
  private void dropStale(PageKey key, long location) {
    if (writeLock.tryLock()) {
      try {
        if (!closed) {
          index.remove(key.versionHash(), key.slot(), location);
        }
      } finally {
        writeLock.unlock();
      }
    }
  }

  private static long keyHash(PageKey key) {
    return PageKey.mix64(key.versionHash() ^ (key.slot() * 0x9E3779B97F4A7C15L));
  }

  // ---------------------------------------------------------------- writes

  @Override
  public boolean put(PageKey key, ByteBuffer page) {
    requireNonNull(key, "key is null");
    requireNonNull(page, "page is null");
    int length = page.remaining();
    long recordBytes = RecordFormat.recordBytes(key.versionUtf8().length, length);
    if (recordBytes > regionBytes - RecordFormat.REGION_HEADER_BYTES) {
      noSpaceRejections.increment();
      return false;
    }
    long startNanos = System.nanoTime();
    int crc = RecordFormat.crc32c(page);
    writeLock.lock();
    try {
      if (closed || degraded) {
        noSpaceRejections.increment();
        return false;
      }
      if (alreadyStored(key)) {
        return true;
      }
      // Derived records are written once per file version and read by every lookup of it:
      // admission by frequency would turn them away exactly when the store is busiest.
      if (sketch != null && !key.isDerived() && storeFull()
          && sketch.frequency(keyHash(key)) < FrequencySketch.ADMIT_FREQUENCY) {
        admissionRejections.increment();
        return false;
      }
      if (!makeRoom((int) recordBytes)) {
        noSpaceRejections.increment();
        return false;
      }
      if (!append(key, page, length, crc, (int) recordBytes)) {
        return false;
      }
    } finally {
      writeLock.unlock();
    }
    long nanos = System.nanoTime() - startNanos;
    fillNanos.add(nanos);
    if (nanos > fillNanosMax) {
      fillNanosMax = nanos; // racy max: good enough for a metric
    }
    return true;
  }

  private boolean alreadyStored(PageKey key) {
    long[] entry = new long[2];
    if (!index.find(key.versionHash(), key.slot(), entry)) {
      return false;
    }
    long location = entry[0];
    Region r = regions[PageIndex.region(location)];
    return RecordFormat.holds(r, PageIndex.recordOffset(location), r.seq(), key, (int) (entry[1] >>> 32),
        (int) entry[1]);
  }

  private boolean storeFull() {
    return freeAllocated.isEmpty() && freeUnallocated.isEmpty() && draining.isEmpty();
  }

  private boolean append(PageKey key, ByteBuffer page, int length, int crc, int recordBytes) {
    Region r = open;
    int recordOffset = r.writeOffset;
    ByteBuffer header = RecordFormat.encodeRecordHeader(key, length, crc, r.seq());
    long recordPosition = r.fileOffset() + recordOffset;
    try {
      writeFully(page.duplicate(), recordPosition + header.capacity());
      writeFully(header, recordPosition);
    } catch (IOException e) {
      writeFailed("writing a page", e);
      return false;
    }
    long location = PageIndex.location(r.index(), recordOffset, r.seq());
    if (!index.put(key.versionHash(), key.slot(), location, PageIndex.lengthCrc(length, crc))) {
      noSpaceRejections.increment(); // makeRoom guaranteed space; only a bug gets here
      return false;
    }
    r.writeOffset = recordOffset + recordBytes;
    cachedBytes += recordBytes;
    puts.increment();
    putBytes.add(length);
    return true;
  }

  /** Ensures the open region can take {@code recordBytes} and the index one more entry. */
  private boolean makeRoom(int recordBytes) {
    while (index.isFull()) {
      if (!evictOne()) {
        return false;
      }
    }
    if (open != null && open.writeOffset + recordBytes <= regionBytes) {
      return true;
    }
    if (open != null) {
      seal(open);
      open = null;
      if (degraded) {
        return false;
      }
    }
    Region r = takeFreeRegion();
    if (r == null) {
      return false;
    }
    long seq = nextSeq++;
    try {
      writeFully(RecordFormat.encodeRegionHeader(storeId, seq, regionBytes), r.fileOffset());
    } catch (IOException e) {
      writeFailed("opening a region", e);
      freeAllocated.addFirst(r);
      return false;
    }
    r.status = Region.Status.OPEN;
    r.writeOffset = RecordFormat.REGION_HEADER_BYTES;
    r.openForReaders(seq);
    cachedBytes += RecordFormat.REGION_HEADER_BYTES;
    open = r;
    return true;
  }

  private Region takeFreeRegion() {
    for (;;) {
      reclaimDrained();
      Region r = freeAllocated.pollFirst();
      if (r != null) {
        return r;
      }
      if (!freeUnallocated.isEmpty()
          && (!allocationFailed || System.nanoTime() - lastAllocationFailureNanos >= allocationRetryNanos)) {
        r = freeUnallocated.pollFirst();
        if (allocate(r)) {
          return r;
        }
        freeUnallocated.addLast(r);
      }
      if (!evictOne()) {
        return null;
      }
    }
  }

  /** Zero-fills a never-used region so that its disk blocks exist; false on ENOSPC or I/O error. */
  private boolean allocate(Region r) {
    ByteBuffer zeros = ByteBuffer.allocate(Math.min(ZERO_FILL_BYTES, regionBytes));
    try {
      for (int done = 0; done < regionBytes; done += zeros.capacity()) {
        writeFully(zeros.clear(), r.fileOffset() + done);
      }
      r.allocated = true;
      if (allocationFailed) {
        LOG.info("page store {}: allocating regions works again", directory);
        allocationFailed = false;
      }
      return true;
    } catch (IOException e) {
      if (!allocationFailed) {
        LOG.warn("page store {}: cannot allocate region {} ({}); evicting instead of growing", directory, r.index(),
            e.toString());
      }
      allocationFailed = true;
      lastAllocationFailureNanos = System.nanoTime();
      writeFailures.increment();
      return false;
    }
  }

  private void reclaimDrained() {
    for (Iterator<Region> it = draining.iterator(); it.hasNext(); ) {
      Region r = it.next();
      if (r.drained()) {
        it.remove();
        r.status = Region.Status.FREE;
        freeAllocated.addLast(r);
      }
    }
  }

  private boolean evictOne() {
    int victim = evictor.victim();
    if (victim < 0) {
      return false;
    }
    Region r = regions[victim];
    r.beginDraining();
    evictedPages.add(removeIndexEntries(r));
    r.status = Region.Status.DRAINING;
    cachedBytes -= r.writeOffset;
    draining.add(r);
    evictedRegions.increment();
    return true;
  }

  /** Removes the index entries that point into {@code r}: walks its records, or the whole index if they are damaged. */
  private long removeIndexEntries(Region r) {
    long seq = r.seq();
    long removed = 0;
    int offset = RecordFormat.REGION_HEADER_BYTES;
    while (offset < r.writeOffset) {
      int bytes = RecordFormat.validRecordBytes(r, offset, r.writeOffset, seq);
      if (bytes < 0) {
        int region = r.index();
        return removed + index.removeIf(h -> false, location -> PageIndex.region(location) == region);
      }
      if (RecordFormat.isLive(r, offset)) {
        long location = PageIndex.location(r.index(), offset, seq);
        if (index.remove(RecordFormat.versionHash(r, offset), RecordFormat.pageOffset(r, offset), location)) {
          removed++;
        }
      }
      offset += bytes;
    }
    return removed;
  }

  private void seal(Region r) {
    checkDirectory();
    try {
      if (config.syncOnSeal()) {
        faults.beforeWrite(r.fileOffset(), 0);
        channel.force(false);
      }
      writeFully(RecordFormat.encodeSealBlock(r.seq(), r.writeOffset), r.fileOffset() + RecordFormat.SEAL_OFFSET);
    } catch (IOException e) {
      writeFailed("sealing a region", e); // unsealed on disk: a restart verifies it page by page
    }
    r.status = Region.Status.SEALED;
    evictor.onSeal(r.index());
  }

  private void checkDirectory() {
    if (!degraded && (!Files.isDirectory(directory) || !Files.exists(directory.resolve(REGION_FILE)))) {
      degraded = true;
      LOG.error("page store directory {} is gone; no more pages are admitted until restart, cached pages are still served",
          directory);
    }
  }

  private void writeFully(ByteBuffer buffer, long position) throws IOException {
    faults.beforeWrite(position, buffer.remaining());
    while (buffer.hasRemaining()) {
      position += channel.write(buffer, position);
    }
  }

  private void writeFailed(String what, IOException e) {
    writeFailures.increment();
    long n = writeFailures.sum();
    if (n <= 10 || Long.bitCount(n) == 1) { // first ten, then at powers of two
      LOG.warn("page store {}: I/O error {} (failure #{}): {}", directory, what, n, e.toString());
    }
  }

  @Override
  public void invalidate(PageKey key) {
    requireNonNull(key, "key is null");
    writeLock.lock();
    try {
      if (!closed) {
        invalidateLocked(key.versionHash(), key.slot());
      }
    } finally {
      writeLock.unlock();
    }
  }

  @Override
  public void reportCorrupt(PageKey key) {
    corruptPages.increment();
    LOG.warn("page store {}: {} reported corrupt, dropped", directory, key);
    invalidate(key);
  }

  /** Removes the entry, then marks its record DEAD on disk so a restart does not bring it back. */
  private void invalidateLocked(long versionHash, long pageOffset) {
    long location = index.locationOf(versionHash, pageOffset);
    if (location == 0) {
      return;
    }
    index.remove(versionHash, pageOffset, location);
    Region r = regions[PageIndex.region(location)];
    int offset = PageIndex.recordOffset(location);
    if (PageIndex.generation(location) == (r.seq() & Region.GENERATION_MASK)
        && RecordFormat.isLive(r, offset) && RecordFormat.versionHash(r, offset) == versionHash
        && RecordFormat.pageOffset(r, offset) == pageOffset) {
      try {
        writeFully(RecordFormat.encodeDeadMarker(), r.fileOffset() + offset);
      } catch (IOException e) {
        writeFailed("invalidating a page", e);
      }
    }
  }

  @Override
  public void invalidateFile(long versionHash) {
    writeLock.lock();
    try {
      if (closed) {
        return;
      }
      for (long pageOffset : index.pageOffsetsOf(versionHash)) {
        invalidateLocked(versionHash, pageOffset);
      }
    } finally {
      writeLock.unlock();
    }
  }

  // ---------------------------------------------------------------- restart

  private void recover() throws IOException {
    record Candidate(Region region, long seq) {}
    List<Candidate> candidates = new ArrayList<>();
    for (Region r : regions) {
      long seq = RecordFormat.readRegionSeq(r, storeId);
      if (seq > 0) {
        candidates.add(new Candidate(r, seq));
      } else {
        freeUnallocated.add(r);
      }
    }
    candidates.sort(Comparator.comparingLong(Candidate::seq));
    boolean resealed = false;
    List<Region> toSeal = new ArrayList<>();
    for (Candidate c : candidates) {
      Region r = c.region();
      int sealedEnd = RecordFormat.readSealedEnd(r, c.seq());
      int end = sealedEnd > 0 ? sealedEnd : regionBytes;
      int offset = recoverRecords(r, c.seq(), sealedEnd > 0, end);
      r.writeOffset = offset;
      r.allocated = true;
      r.status = Region.Status.SEALED;
      r.openForReaders(c.seq());
      cachedBytes += offset;
      nextSeq = Math.max(nextSeq, c.seq() + 1);
      if (sealedEnd < 0) {
        toSeal.add(r);
      }
    }
    if (!toSeal.isEmpty()) {
      channel.force(false);
      for (Region r : toSeal) {
        writeFully(RecordFormat.encodeSealBlock(r.seq(), r.writeOffset), r.fileOffset() + RecordFormat.SEAL_OFFSET);
      }
      resealed = true;
    }
    for (Candidate c : candidates) {
      evictor.onSeal(c.region().index()); // in generation order: FIFO evicts the oldest first
    }
    if (resealed) {
      LOG.info("page store {}: {} region(s) open at the last stop verified page by page; {} torn record(s) dropped",
          directory, toSeal.size(), tornRecordsDropped);
    }
  }

  /** Indexes the records of one region; returns the offset after the last good record. */
  private int recoverRecords(Region r, long seq, boolean sealed, int end) {
    int offset = RecordFormat.REGION_HEADER_BYTES;
    while (offset < end) {
      int bytes = RecordFormat.validRecordBytes(r, offset, end, seq);
      if (bytes < 0) {
        if (sealed || RecordFormat.hasRecordMagic(r, offset)) {
          tornOrCorrupt(r, offset, sealed);
        }
        break;
      }
      boolean live = RecordFormat.isLive(r, offset);
      if (!sealed && live) {
        int payload = offset + RecordFormat.payloadStart(RecordFormat.versionLength(r, offset));
        int length = RecordFormat.payloadLength(r, offset);
        if (RecordFormat.crc32c(r.window(payload, length)) != RecordFormat.payloadCrc(r, offset)) {
          tornOrCorrupt(r, offset, false);
          break;
        }
      }
      if (live) {
        long location = PageIndex.location(r.index(), offset, seq);
        long lengthCrc = PageIndex.lengthCrc(RecordFormat.payloadLength(r, offset), RecordFormat.payloadCrc(r, offset));
        if (index.put(RecordFormat.versionHash(r, offset), RecordFormat.pageOffset(r, offset), location, lengthCrc)) {
          recoveredPages++;
        }
      }
      offset += bytes;
    }
    return offset;
  }

  private void tornOrCorrupt(Region r, int offset, boolean sealed) {
    if (sealed) {
      corruptPages.increment();
      LOG.warn("page store {}: damaged record in sealed region {} at offset {}; the rest of the region is dropped",
          directory, r.index(), offset);
    } else {
      tornRecordsDropped++;
    }
  }

  // ---------------------------------------------------------------- lifecycle

  @Override
  public PageStoreStats stats() {
    return new PageStoreStats(hits.sum(), misses.sum(), hitBytes.sum(), puts.sum(), putBytes.sum(),
        admissionRejections.sum(), noSpaceRejections.sum(), writeFailures.sum(), readFailures.sum(),
        corruptPages.sum(), evictedRegions.sum(), evictedPages.sum(), recoveredPages, tornRecordsDropped,
        fillNanos.sum(), fillNanosMax, index.size(), cachedBytes, (long) regions.length * regionBytes, degraded);
  }

  @Override
  public void close() {
    closeInternal(true);
  }

  /** Test hook: stops like a kill -9 would (no seal, no sync), keeping what the OS already has. */
  void closeAbruptly() {
    closeInternal(false);
  }

  private void closeInternal(boolean clean) {
    writeLock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      if (clean && open != null && !degraded) {
        seal(open);
        open = null;
      }
      try {
        channel.close();
      } catch (IOException e) {
        LOG.warn("page store {}: closing the region file failed: {}", directory, e.toString());
      }
      try {
        lock.release();
        lockChannel.close();
      } catch (IOException e) {
        LOG.warn("page store {}: releasing the lock failed: {}", directory, e.toString());
      }
    } finally {
      writeLock.unlock();
    }
  }

  @Override
  public String toString() {
    return "RegionPageStore[" + directory + ", " + regions.length + " x " + regionBytes + " bytes]";
  }
}
