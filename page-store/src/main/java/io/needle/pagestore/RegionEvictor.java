package io.needle.pagestore;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Chooses which sealed region to evict. Only sealed regions are candidates; the open region is
 * never evicted. {@link #onAccess} is called by readers without a lock; the other methods by the
 * writer under the store's write lock.
 */
interface RegionEvictor {
  /** The region was sealed (or recovered) and may be evicted from now on. */
  void onSeal(int region);

  /** A reader hit a page in the region. Lock-free. */
  void onAccess(int region);

  /** Picks a victim and forgets it; -1 when no sealed region is left. */
  int victim();

  static RegionEvictor of(EvictionPolicy policy, int regionCount) {
    return switch (policy) {
      case FIFO -> new Fifo();
      case LRU -> new Lru(regionCount);
    };
  }

  /** Oldest sealed first: a queue in seal order, nothing on the read path. */
  final class Fifo implements RegionEvictor {
    private final ArrayDeque<Integer> sealed = new ArrayDeque<>();

    @Override
    public void onSeal(int region) {
      sealed.addLast(region);
    }

    @Override
    public void onAccess(int region) {}

    @Override
    public int victim() {
      Integer r = sealed.pollFirst();
      return r == null ? -1 : r;
    }
  }

  /**
   * Least recently hit first. A hit stores the current time into the region's slot (an opaque
   * write, no CAS, no lock); the victim is found by a scan over the sealed regions, which costs
   * microseconds for thousands of regions and happens once per region filled.
   */
  final class Lru implements RegionEvictor {
    private final AtomicLongArray lastAccessNanos;
    private final boolean[] sealed;
    private int sealedCount;

    Lru(int regionCount) {
      lastAccessNanos = new AtomicLongArray(regionCount);
      sealed = new boolean[regionCount];
    }

    @Override
    public void onSeal(int region) {
      sealed[region] = true;
      sealedCount++;
      lastAccessNanos.setOpaque(region, System.nanoTime());
    }

    @Override
    public void onAccess(int region) {
      lastAccessNanos.setOpaque(region, System.nanoTime());
    }

    @Override
    public int victim() {
      if (sealedCount == 0) {
        return -1;
      }
      int best = -1;
      long bestNanos = Long.MAX_VALUE;
      for (int r = 0; r < sealed.length; r++) {
        if (sealed[r]) {
          long t = lastAccessNanos.getOpaque(r);
          if (best < 0 || t - bestNanos < 0) {
            best = r;
            bestNanos = t;
          }
        }
      }
      sealed[best] = false;
      sealedCount--;
      return best;
    }
  }
}
