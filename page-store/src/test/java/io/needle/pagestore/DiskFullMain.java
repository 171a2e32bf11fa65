package io.needle.pagestore;

import java.nio.file.Path;

/**
 * Child process for {@link RealDiskFullTest}: runs on a 1 MiB tmpfs with a 2 MiB store, puts and
 * checks pages, and prints its counters. Exit 0 = every hit had the right bytes.
 */
public final class DiskFullMain {
  private DiskFullMain() {}

  public static void main(String[] args) throws Exception {
    PageStoreConfig config = TestPages.config(Path.of(args[0]), 32, 64 * 1024, EvictionPolicy.FIFO, false);
    try (RegionPageStore store = RegionPageStore.open(config, IoFaults.NONE)) {
      store.allocationRetryNanos = 0;
      for (int i = 0; i < 3000; i++) {
        PageKey k = TestPages.key(i % 5, i * 3000L);
        store.put(k, TestPages.page(k, 2000));
        PageKey back = TestPages.key((i / 2) % 5, (i / 2) * 3000L);
        try (PageHandle h = store.get(back)) {
          if (h != null && !TestPages.readThroughChannel(h).equals(TestPages.page(back, 2000))) {
            System.out.println("WRONG BYTES for " + back);
            System.exit(1);
          }
        }
      }
      PageStoreStats s = store.stats();
      System.out.println("puts=" + s.puts() + " writeFailures=" + s.writeFailures() + " cachedBytes=" + s.cachedBytes()
          + " evictedRegions=" + s.evictedRegions());
    }
  }
}
