package io.needle.pagestore;

import static io.needle.pagestore.TestPages.key;
import static io.needle.pagestore.TestPages.page;
import static io.needle.pagestore.TestPages.readThroughChannel;
import static org.assertj.core.api.Assertions.assertThat;

import io.needle.testsupport.SeededRuns;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Random put/get/invalidate/evict/restart/crash sequences against a model. The model is tiny
 * because the store may forget anything (it is a cache): a get returns exactly the bytes put
 * under that key or a miss, never other bytes; a get right after an accepted put hits; an
 * invalidated key misses until it is put again, across clean and crash restarts. 300 seeded
 * sequences ({@link SeededRuns}: a failure names the seed that replays it).
 */
class PageStorePropertiesTest {
  private static final int REGION = 64 * 1024;

  sealed interface Op permits Put, Get, Invalidate, InvalidateFile, Restart, Crash {}

  record Put(int file, int page) implements Op {}

  record Get(int file, int page) implements Op {}

  record Invalidate(int file, int page) implements Op {}

  record InvalidateFile(int file) implements Op {}

  record Restart() implements Op {}

  record Crash() implements Op {}

  /** 20-150 ops weighted put 10, get 10, invalidate 2, invalidate file, restart, crash 1 each. */
  static List<Op> ops(SplittableRandom r) {
    List<Op> ops = new ArrayList<>();
    for (int n = 20 + r.nextInt(131); n > 0; n--) {
      int file = r.nextInt(4);
      int pageIndex = r.nextInt(41);
      int w = r.nextInt(25);
      ops.add(w < 10 ? new Put(file, pageIndex)
          : w < 20 ? new Get(file, pageIndex)
          : w < 22 ? new Invalidate(file, pageIndex)
          : w == 22 ? new InvalidateFile(file)
          : w == 23 ? new Restart()
          : new Crash());
    }
    return ops;
  }

  @Test
  void everyGetReturnsThePutBytesOrAMiss() {
    EvictionPolicy[] policies = EvictionPolicy.values();
    SeededRuns.run(300, r -> check(ops(r), policies[r.nextInt(policies.length)], r.nextBoolean(), 2 + r.nextInt(5)));
  }

  private static PageKey keyOf(int file, int page) {
    return key(file, page * 50_000L);
  }

  private static int lengthOf(PageKey k) {
    return TestPages.lengthOf(k, 0, 20_000);
  }

  private static void check(List<Op> ops, EvictionPolicy policy, boolean admission, int regions) throws IOException {
    Path dir = Files.createTempDirectory("pagestore-prop");
    PageStoreConfig config = new PageStoreConfig(dir, (long) regions * REGION, REGION, policy, admission, 1024, "prop",
        false, false);
    Set<PageKey> mustMiss = new HashSet<>();
    RegionPageStore store = RegionPageStore.open(config, IoFaults.NONE);
    try {
      PageKey justPut = null;
      for (Op op : ops) {
        PageKey previousPut = justPut;
        justPut = null;
        switch (op) {
          case Put p -> {
            PageKey k = keyOf(p.file(), p.page());
            if (store.put(k, page(k, lengthOf(k)))) {
              mustMiss.remove(k);
              justPut = k;
            }
          }
          case Get g -> {
            PageKey k = keyOf(g.file(), g.page());
            try (PageHandle h = store.get(k)) {
              if (h == null) {
                assertThat(k).as("accepted put just before").isNotEqualTo(previousPut);
              } else {
                assertThat(mustMiss).as("invalidated key served").doesNotContain(k);
                assertThat(readThroughChannel(h)).isEqualTo(page(k, lengthOf(k)));
                assertThat(h.slice()).isEqualTo(page(k, lengthOf(k)));
                assertThat(h.crc32c()).isEqualTo(TestPages.crc32c(page(k, lengthOf(k))));
              }
            }
          }
          case Invalidate i -> {
            PageKey k = keyOf(i.file(), i.page());
            store.invalidate(k);
            mustMiss.add(k);
          }
          case InvalidateFile f -> {
            store.invalidateFile(keyOf(f.file(), 0).versionHash());
            for (int page = 0; page <= 40; page++) {
              mustMiss.add(keyOf(f.file(), page));
            }
          }
          case Restart r -> {
            store.close();
            store = RegionPageStore.open(config, IoFaults.NONE);
          }
          case Crash c -> {
            store.closeAbruptly();
            store = RegionPageStore.open(config, IoFaults.NONE);
          }
        }
        PageStoreStats stats = store.stats();
        assertThat(stats.cachedBytes()).isLessThanOrEqualTo(config.capacityBytes());
        assertThat(Files.size(dir.resolve(RegionPageStore.REGION_FILE))).isEqualTo(config.capacityBytes());
      }
    } finally {
      store.close();
      deleteTree(dir);
    }
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
