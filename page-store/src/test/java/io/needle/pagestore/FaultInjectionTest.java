package io.needle.pagestore;

import static io.needle.pagestore.TestPages.readThroughChannel;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Disk full, I/O errors and a vanished directory (RELIABILITY.md T04/T05), injected through the
 * {@link IoFaults} hook: puts fail softly (false, counted), gets stay correct or miss, and caching
 * resumes when the fault clears.
 */
class FaultInjectionTest {
  private static final int REGION = 64 * 1024;

  @TempDir Path dir;

  /** Fails writes beyond a disk size (ENOSPC), or all writes / reads (EIO), as told. */
  static final class ScriptedFaults implements IoFaults {
    volatile long diskBytes = Long.MAX_VALUE;
    volatile boolean failWrites;
    volatile boolean failReads;

    @Override
    public void beforeWrite(long filePosition, int lengthBytes) throws IOException {
      if (failWrites) {
        throw new IOException("Input/output error");
      }
      if (filePosition + lengthBytes > diskBytes) {
        throw new IOException("No space left on device");
      }
    }

    @Override
    public void beforeRead(long filePosition, int lengthBytes) throws IOException {
      if (failReads) {
        throw new IOException("Input/output error");
      }
    }
  }

  private PageStoreConfig config() {
    return TestPages.config(dir, 8, REGION, EvictionPolicy.FIFO, false);
  }

  private static PageKey keyOf(int i) {
    return TestPages.key(i % 3, i * 5_000L);
  }

  private static void putAndCheck(PageStore store, int from, int to) throws IOException {
    for (int i = from; i < to; i++) {
      PageKey k = keyOf(i);
      store.put(k, TestPages.page(k, 2000));
    }
    checkAll(store, to);
  }

  private static int checkAll(PageStore store, int to) throws IOException {
    int hits = 0;
    for (int i = 0; i < to; i++) {
      PageKey k = keyOf(i);
      try (PageHandle h = store.get(k)) {
        if (h != null) {
          hits++;
          assertThat(readThroughChannel(h)).isEqualTo(TestPages.page(k, 2000));
        }
      }
    }
    return hits;
  }

  @Test
  void diskFullMakesTheStoreEvictWithinTheSpaceItHasThenGrowWhenSpaceReturns() throws IOException {
    ScriptedFaults faults = new ScriptedFaults();
    faults.diskBytes = 3L * REGION; // room for three regions only
    try (RegionPageStore store = RegionPageStore.open(config(), faults)) {
      store.allocationRetryNanos = 0;
      putAndCheck(store, 0, 400);
      PageStoreStats full = store.stats();
      assertThat(full.writeFailures()).isPositive();
      assertThat(full.evictedRegions()).isPositive();
      assertThat(full.cachedBytes()).isLessThanOrEqualTo(3L * REGION);
      assertThat(full.puts()).isGreaterThan(300); // kept caching within its space
      faults.diskBytes = Long.MAX_VALUE;
      putAndCheck(store, 400, 800);
      assertThat(store.stats().cachedBytes()).isGreaterThan(3L * REGION);
    }
  }

  @Test
  void writeErrorsRefusePutsWithoutHarmingCachedPages() throws IOException {
    ScriptedFaults faults = new ScriptedFaults();
    try (RegionPageStore store = RegionPageStore.open(config(), faults)) {
      putAndCheck(store, 0, 50);
      faults.failWrites = true;
      for (int i = 50; i < 150; i++) {
        PageKey k = keyOf(i);
        assertThat(store.put(k, TestPages.page(k, 2000))).isFalse();
      }
      assertThat(store.stats().writeFailures()).isPositive();
      assertThat(checkAll(store, 150)).isEqualTo(50);
      faults.failWrites = false;
      PageKey k = keyOf(1000);
      assertThat(store.put(k, TestPages.page(k, 2000))).isTrue();
      assertThat(store.get(k)).isNotNull().satisfies(PageHandle::release);
    }
    try (PageStore reopened = PageStore.open(config())) { // nothing half-written is served after restart
      checkAll(reopened, 150);
    }
  }

  @Test
  void readErrorsAreMissesAndDropTheEntry() throws IOException {
    ScriptedFaults faults = new ScriptedFaults();
    try (RegionPageStore store = RegionPageStore.open(config(), faults)) {
      putAndCheck(store, 0, 20);
      faults.failReads = true;
      assertThat(store.get(keyOf(3))).isNull();
      assertThat(store.stats().readFailures()).isEqualTo(1);
      faults.failReads = false;
      assertThat(store.get(keyOf(3))).isNull(); // dropped, will be refetched and put again
      assertThat(store.stats().cachedPages()).isEqualTo(19);
    }
  }

  @Test
  void deletedDirectoryDegradesToNoAdmissionKeepsServingAndRestartsCold() throws IOException {
    PageStore store = PageStore.open(config());
    putAndCheck(store, 0, 30);
    PageStorePropertiesTest.deleteTree(dir);
    int refused = 0;
    for (int i = 30; i < 300; i++) {
      PageKey k = keyOf(i);
      if (!store.put(k, TestPages.page(k, 2000))) {
        refused++;
      }
    }
    assertThat(store.stats().degraded()).isTrue();
    assertThat(refused).isPositive();
    checkAll(store, 300);
    store.close();
    assertThat(Files.exists(dir)).isFalse();
    try (PageStore fresh = PageStore.open(config())) {
      assertThat(fresh.stats().recoveredPages()).isZero();
      putAndCheck(fresh, 0, 30);
    }
  }
}
