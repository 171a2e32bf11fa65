package io.needle.pagestore;

import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongPredicate;
import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.core.io.SingleThreadedChecked;

/**
 * The page index: (versionHash, pageOffset) → (location, length, CRC32C), off-heap.
 *
 * <p>Layout: an open-addressing table with linear probing in one Chronicle native store, 32 bytes
 * per slot and no heap object per page:
 * <pre>
 *   0 long versionHash   8 long pageOffset
 *  16 long location: bit 63 set (0 = empty slot) | region (20 bits) &lt;&lt; 43
 *                    | (record offset in region / 8) (28 bits) &lt;&lt; 15 | generation low 15 bits
 *  24 long length &lt;&lt; 32 | CRC32C
 * </pre>
 * Sized for the configured number of pages at 60% load, full at 75% (then the store evicts). At
 * 8 KiB pages that is about 53 bytes of native memory per cached page, 0 bytes of heap.
 *
 * <p>Threading: one writer at a time (the store's write lock); any number of lock-free readers.
 * Writers bracket every change with a sequence counter (a seqlock: odd while writing); a reader
 * probes, then re-reads the counter and retries if a write overlapped. Deletion shifts entries
 * back (no tombstones), which is why readers validate the whole probe rather than one slot. A
 * reader that sees a garbage entry mid-write retries; even a wrong location would only read as a
 * miss, because every hit is checked against the record header on disk.
 *
 * <p>The native memory is freed by a {@link Cleaner} once the index is unreachable, not by
 * close(): a reader that raced past the store's closed check may still be probing.
 */
final class PageIndex {
  private static final int SLOT_BYTES = 32;
  private static final long OCCUPIED = 1L << 63;
  private static final Cleaner CLEANER = Cleaner.create();
  static final double TARGET_LOAD = 0.6;
  static final double MAX_LOAD = 0.75;

  private final BytesStore<?, Void> memory;
  private final long slots;
  private final long maxEntries;
  private final AtomicLong version = new AtomicLong();
  private volatile long size;

  PageIndex(long expectedEntries) {
    this.slots = Math.max(64, (long) Math.ceil(expectedEntries / TARGET_LOAD));
    this.maxEntries = (long) (slots * MAX_LOAD);
    BytesStore<?, Void> store = BytesStore.nativeStoreWithFixedCapacity(slots * SLOT_BYTES);
    if (store instanceof SingleThreadedChecked checked) {
      checked.singleThreadedCheckDisabled(true); // one writer at a time, but not always the same thread
    }
    store.zeroOut(0, slots * SLOT_BYTES);
    this.memory = store;
    CLEANER.register(this, new Free(store));
  }

  private record Free(BytesStore<?, Void> store) implements Runnable {
    @Override
    public void run() {
      store.releaseLast();
    }
  }

  static long location(int region, int recordOffset, long seq) {
    return OCCUPIED | ((long) region << 43) | ((long) (recordOffset >>> 3) << 15) | (seq & Region.GENERATION_MASK);
  }

  static int region(long location) {
    return (int) ((location >>> 43) & 0xFFFFF);
  }

  static int recordOffset(long location) {
    return (int) ((location >>> 15) & 0xFFFFFFF) << 3;
  }

  static long generation(long location) {
    return location & Region.GENERATION_MASK;
  }

  static long lengthCrc(int length, int crc) {
    return ((long) length << 32) | (crc & 0xFFFFFFFFL);
  }

  private long home(long versionHash, long pageOffset) {
    long h = PageKey.mix64(versionHash ^ (pageOffset * 0x9E3779B97F4A7C15L));
    return Math.unsignedMultiplyHigh(h, slots);
  }

  /** Lock-free. On a hit, fills {@code out[0]} = location and {@code out[1]} = length/CRC. */
  boolean find(long versionHash, long pageOffset, long[] out) {
    for (;;) {
      long before = version.get();
      if ((before & 1) != 0) {
        Thread.onSpinWait();
        continue;
      }
      boolean hit = false;
      long slot = home(versionHash, pageOffset);
      for (long probes = 0; probes < slots; probes++) {
        long base = slot * SLOT_BYTES;
        long location = memory.readLong(base + 16);
        if (location == 0) {
          break;
        }
        if (memory.readLong(base) == versionHash && memory.readLong(base + 8) == pageOffset) {
          out[0] = location;
          out[1] = memory.readLong(base + 24);
          hit = true;
          break;
        }
        if (++slot == slots) {
          slot = 0;
        }
      }
      VarHandle.loadLoadFence();
      if (version.get() == before) {
        return hit;
      }
    }
  }

  /** Writer: the slot holding the key, or the empty slot where it would go. */
  private long slotOf(long versionHash, long pageOffset) {
    long slot = home(versionHash, pageOffset);
    for (;;) {
      long base = slot * SLOT_BYTES;
      if (memory.readLong(base + 16) == 0
          || (memory.readLong(base) == versionHash && memory.readLong(base + 8) == pageOffset)) {
        return slot;
      }
      if (++slot == slots) {
        slot = 0;
      }
    }
  }

  boolean isFull() {
    return size >= maxEntries;
  }

  /** Writer: inserts or replaces. False only when the key is new and the index is full. */
  boolean put(long versionHash, long pageOffset, long location, long lengthCrc) {
    long base = slotOf(versionHash, pageOffset) * SLOT_BYTES;
    boolean isNew = memory.readLong(base + 16) == 0;
    if (isNew && isFull()) {
      return false;
    }
    beginWrite();
    memory.writeLong(base, versionHash);
    memory.writeLong(base + 8, pageOffset);
    memory.writeLong(base + 24, lengthCrc);
    memory.writeLong(base + 16, location);
    endWrite();
    if (isNew) {
      size = size + 1;
    }
    return true;
  }

  /** Writer: the location stored for the key, or 0. */
  long locationOf(long versionHash, long pageOffset) {
    return memory.readLong(slotOf(versionHash, pageOffset) * SLOT_BYTES + 16);
  }

  /** Writer: removes the key if present and (when {@code expectedLocation != 0}) at that location. */
  boolean remove(long versionHash, long pageOffset, long expectedLocation) {
    long hole = slotOf(versionHash, pageOffset);
    long location = memory.readLong(hole * SLOT_BYTES + 16);
    if (location == 0 || (expectedLocation != 0 && location != expectedLocation)) {
      return false;
    }
    beginWrite();
    long next = hole;
    for (;;) {
      if (++next == slots) {
        next = 0;
      }
      long nextBase = next * SLOT_BYTES;
      if (memory.readLong(nextBase + 16) == 0) {
        break;
      }
      long want = home(memory.readLong(nextBase), memory.readLong(nextBase + 8));
      boolean staysPut = hole <= next ? (hole < want && want <= next) : (hole < want || want <= next);
      if (!staysPut) {
        long holeBase = hole * SLOT_BYTES;
        for (int i = 0; i < SLOT_BYTES; i += 8) {
          memory.writeLong(holeBase + i, memory.readLong(nextBase + i));
        }
        hole = next;
      }
    }
    memory.zeroOut(hole * SLOT_BYTES, hole * SLOT_BYTES + SLOT_BYTES);
    endWrite();
    size = size - 1;
    return true;
  }

  /** Writer: removes every entry whose versionHash or location matches; returns how many. */
  long removeIf(LongPredicate versionHashMatches, LongPredicate locationMatches) {
    long[] found = new long[48];
    int n = 0;
    for (long slot = 0; slot < slots; slot++) {
      long base = slot * SLOT_BYTES;
      long location = memory.readLong(base + 16);
      if (location != 0 && (versionHashMatches.test(memory.readLong(base)) || locationMatches.test(location))) {
        if (n + 3 > found.length) {
          found = java.util.Arrays.copyOf(found, found.length * 2);
        }
        found[n++] = memory.readLong(base);
        found[n++] = memory.readLong(base + 8);
        found[n++] = location;
      }
    }
    long removed = 0;
    for (int i = 0; i < n; i += 3) {
      if (remove(found[i], found[i + 1], found[i + 2])) {
        removed++;
      }
    }
    return removed;
  }

  /** Writer: the page offsets indexed under one version hash. */
  long[] pageOffsetsOf(long versionHash) {
    long[] offsets = new long[16];
    int n = 0;
    for (long slot = 0; slot < slots; slot++) {
      long base = slot * SLOT_BYTES;
      if (memory.readLong(base + 16) != 0 && memory.readLong(base) == versionHash) {
        if (n == offsets.length) {
          offsets = java.util.Arrays.copyOf(offsets, n * 2);
        }
        offsets[n++] = memory.readLong(base + 8);
      }
    }
    return java.util.Arrays.copyOf(offsets, n);
  }

  long size() {
    return size;
  }

  long slots() {
    return slots;
  }

  private void beginWrite() {
    version.set(version.get() + 1);
    VarHandle.storeStoreFence();
  }

  private void endWrite() {
    version.set(version.get() + 1);
  }
}
