package io.needle.pagestore;

import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Child process for {@link CrashRecoveryTest}: opens the store and puts pages from a fixed key
 * space as fast as it can, printing a line every 50 puts, until it is killed.
 */
public final class CrashWriterMain {
  static final int KEY_SPACE = 3000;

  private CrashWriterMain() {}

  static PageStoreConfig config(Path dir) {
    return new PageStoreConfig(dir, 24L * 128 * 1024, 128 * 1024, EvictionPolicy.FIFO, false, 2048, "crash", true, false);
  }

  static PageKey keyOf(int i) {
    return TestPages.key(i % 5, i * 70_000L);
  }

  static int lengthOf(PageKey k) {
    return TestPages.lengthOf(k, 100, 12_000);
  }

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    SplittableRandom random = new SplittableRandom(Long.parseLong(args[1]));
    try (PageStore store = PageStore.open(config(dir))) {
      System.out.println("open " + store.stats().recoveredPages());
      System.out.flush();
      for (long n = 1; ; n++) {
        int i = random.nextInt(KEY_SPACE);
        PageKey k = keyOf(i);
        store.put(k, TestPages.page(k, lengthOf(k)));
        if (random.nextInt(20) == 0) {
          store.invalidate(keyOf(random.nextInt(KEY_SPACE)));
        }
        if (n % 50 == 0) {
          System.out.println("puts " + n);
          System.out.flush();
        }
      }
    }
  }
}
