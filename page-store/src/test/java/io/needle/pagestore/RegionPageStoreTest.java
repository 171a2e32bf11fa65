package io.needle.pagestore;

import static io.needle.pagestore.TestPages.config;
import static io.needle.pagestore.TestPages.key;
import static io.needle.pagestore.TestPages.page;
import static io.needle.pagestore.TestPages.readThroughChannel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RegionPageStoreTest {
  private static final int REGION = 64 * 1024;

  @TempDir Path dir;

  @Test
  void getReturnsExactlyThePutBytesThroughChannelAndSlice() throws IOException {
    try (PageStore store = PageStore.open(config(dir, 4, REGION, EvictionPolicy.FIFO, false))) {
      PageKey k = key(1, 4096);
      ByteBuffer expected = page(k, 8000);
      assertThat(store.put(k, expected)).isTrue();
      assertThat(expected.position()).isZero();
      try (PageHandle h = store.get(k)) {
        assertThat(h).isNotNull();
        assertThat(h.length()).isEqualTo(8000);
        assertThat(h.crc32c()).isEqualTo(TestPages.crc32c(expected));
        assertThat(readThroughChannel(h)).isEqualTo(expected);
        assertThat(h.slice()).isEqualTo(expected);
        assertThat(h.slice().isReadOnly()).isTrue();
      }
      assertThat(store.stats().hits()).isEqualTo(1);
      assertThat(store.stats().puts()).isEqualTo(1);
    }
  }

  @Test
  void absentKeyIsAMiss() throws IOException {
    try (PageStore store = PageStore.open(config(dir, 4, REGION, EvictionPolicy.FIFO, false))) {
      store.put(key(1, 0), page(key(1, 0), 100));
      assertThat(store.get(key(1, 100))).isNull();
      assertThat(store.get(key(2, 0))).isNull();
      assertThat(store.stats().misses()).isEqualTo(2);
    }
  }

  @Test
  void emptyPageRoundTrips() throws IOException {
    try (PageStore store = PageStore.open(config(dir, 4, REGION, EvictionPolicy.FIFO, false))) {
      PageKey k = key(1, 0);
      assertThat(store.put(k, ByteBuffer.allocate(0))).isTrue();
      try (PageHandle h = store.get(k)) {
        assertThat(h.length()).isZero();
      }
    }
  }

  @Test
  void hashCollisionBetweenVersionsReadsAsMissNeverAsTheOtherPage() throws IOException {
    try (PageStore store = PageStore.open(config(dir, 4, REGION, EvictionPolicy.FIFO, false))) {
      PageKey a = PageKey.withHash(42, "file-a|v1", 0);
      PageKey b = PageKey.withHash(42, "file-b|v1", 0);
      store.put(a, page(a, 500));
      assertThat(store.get(b)).isNull();
      assertThat(store.put(b, page(b, 700))).isTrue();
      try (PageHandle h = store.get(b)) {
        assertThat(readThroughChannel(h)).isEqualTo(page(b, 700));
      }
      assertThat(store.get(a)).isNull(); // replaced in the index: a miss, not b's bytes
    }
  }

  @Test
  void pageLargerThanARegionIsRefusedNotThrown() throws IOException {
    try (PageStore store = PageStore.open(config(dir, 4, REGION, EvictionPolicy.FIFO, false))) {
      assertThat(store.put(key(1, 0), ByteBuffer.allocate(REGION))).isFalse();
      assertThat(store.stats().noSpaceRejections()).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @EnumSource(EvictionPolicy.class)
  void capacityIsAHardBoundAndEvictionKeepsServingCorrectBytes(EvictionPolicy policy) throws IOException {
    try (PageStore store = PageStore.open(config(dir, 4, REGION, policy, false))) {
      List<PageKey> keys = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        PageKey k = key(i % 7, i * 10_000L);
        keys.add(k);
        assertThat(store.put(k, page(k, 3000))).isTrue();
      }
      PageStoreStats stats = store.stats();
      assertThat(stats.evictedRegions()).isPositive();
      assertThat(stats.cachedBytes()).isLessThanOrEqualTo(4L * REGION);
      assertThat(Files.size(dir.resolve(RegionPageStore.REGION_FILE))).isEqualTo(4L * REGION);
      int hits = 0;
      for (PageKey k : keys) {
        try (PageHandle h = store.get(k)) {
          if (h != null) {
            hits++;
            assertThat(readThroughChannel(h)).isEqualTo(page(k, 3000));
          }
        }
      }
      assertThat(hits).isEqualTo((int) store.stats().cachedPages());
      assertThat(keys.subList(190, 200)).allSatisfy(k -> assertThat(store.get(k)).isNotNull());
    }
  }

  @Test
  void lruKeepsTheRegionThatIsReadWhileFifoDropsIt() throws IOException {
    for (EvictionPolicy policy : EvictionPolicy.values()) {
      Path d = dir.resolve(policy.name());
      try (PageStore store = PageStore.open(config(d, 3, REGION, policy, false))) {
        PageKey hot = key(0, 0);
        store.put(hot, page(hot, 3000));
        for (int i = 1; i < 150; i++) {
          PageKey k = key(1, i * 4096L);
          store.put(k, page(k, 3000));
          PageHandle h = store.get(hot);
          if (h != null) {
            h.release();
          }
        }
        assertThat(store.stats().evictedRegions()).isGreaterThanOrEqualTo(3);
        boolean hotCached = store.get(hot) != null;
        assertThat(hotCached).as(policy.name()).isEqualTo(policy == EvictionPolicy.LRU);
      }
    }
  }

  @Test
  void pinnedRegionIsNotReusedUntilReleased() throws IOException {
    try (PageStore store = PageStore.open(config(dir, 2, REGION, EvictionPolicy.FIFO, false))) {
      PageKey first = key(0, 0);
      store.put(first, page(first, 3000));
      PageHandle pinned = store.get(first);
      long position = pinned.position();
      // Fill far beyond capacity: the pinned region leaves the index but is not rewritten; the
      // other region carries all the writes meanwhile.
      for (int i = 1; i < 100; i++) {
        PageKey k = key(1, i * 4096L);
        assertThat(store.put(k, page(k, 3000))).isTrue();
      }
      assertThat(store.get(first)).isNull();
      assertThat(readThroughChannel(pinned)).isEqualTo(page(first, 3000));
      assertThat(pinned.position()).isEqualTo(position);
      pinned.release();
      pinned.release(); // idempotent
      long evictedBefore = store.stats().evictedRegions();
      for (int i = 0; i < 60; i++) {
        PageKey k = key(2, i * 4096L);
        assertThat(store.put(k, page(k, 3000))).isTrue();
      }
      assertThat(store.stats().evictedRegions()).isGreaterThan(evictedBefore);
      assertThat(store.get(first)).isNull();
    }
  }

  @Test
  void invalidateDropsThePageAlsoAcrossRestart() throws IOException {
    PageKey gone = key(1, 0);
    PageKey kept = key(1, 8192);
    try (PageStore store = PageStore.open(config(dir, 4, REGION, EvictionPolicy.FIFO, false))) {
      store.put(gone, page(gone, 1000));
      store.put(kept, page(kept, 1000));
      store.invalidate(gone);
      assertThat(store.get(gone)).isNull();
    }
    try (PageStore store = PageStore.open(config(dir, 4, REGION, EvictionPolicy.FIFO, false))) {
      assertThat(store.get(gone)).isNull();
      try (PageHandle h = store.get(kept)) {
        assertThat(readThroughChannel(h)).isEqualTo(page(kept, 1000));
      }
    }
  }

  @Test
  void invalidateFileDropsEveryPageOfThatVersionOnly() throws IOException {
    try (PageStore store = PageStore.open(config(dir, 4, REGION, EvictionPolicy.FIFO, false))) {
      for (int i = 0; i < 20; i++) {
        store.put(key(1, i * 100L), page(key(1, i * 100L), 200));
        store.put(key(2, i * 100L), page(key(2, i * 100L), 200));
      }
      store.invalidateFile(key(1, 0).versionHash());
      for (int i = 0; i < 20; i++) {
        assertThat(store.get(key(1, i * 100L))).isNull();
        assertThat(store.get(key(2, i * 100L))).isNotNull().satisfies(PageHandle::release);
      }
    }
  }

  @Test
  void derivedRecordsLiveBesidePagesSurviveRestartAndLeaveWithTheirVersion() throws IOException {
    String version = key(1, 0).fileVersion();
    PageKey pageZero = PageKey.of(version, 0);
    PageKey derivedZero = PageKey.derived(version, 0);
    ByteBuffer pageBytes = page(pageZero, 300);
    ByteBuffer derivedBytes = ByteBuffer.wrap("derived state of the version".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertThat(derivedZero).isNotEqualTo(pageZero);
    assertThat(derivedZero.isDerived()).isTrue();
    assertThat(derivedZero.derivedId()).isZero();
    assertThatThrownBy(derivedZero::pageOffset).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> PageKey.derived(version, -1)).isInstanceOf(IllegalArgumentException.class);
    try (PageStore store = PageStore.open(config(dir, 4, REGION, EvictionPolicy.FIFO, false))) {
      assertThat(store.put(pageZero, pageBytes)).isTrue();
      assertThat(store.put(derivedZero, derivedBytes)).isTrue();
      try (PageHandle h = store.get(pageZero)) {
        assertThat(h.slice()).isEqualTo(pageBytes);
      }
    }
    try (PageStore store = PageStore.open(config(dir, 4, REGION, EvictionPolicy.FIFO, false))) {
      try (PageHandle h = store.get(PageKey.derived(version, 0))) {
        assertThat(h.slice()).isEqualTo(derivedBytes);
      }
      store.invalidateFile(derivedZero.versionHash());
      assertThat(store.get(derivedZero)).isNull();
      assertThat(store.get(pageZero)).isNull();
    }
  }

  @Test
  void derivedRecordsBypassAdmissionInAFullStore() throws IOException {
    try (PageStore store = PageStore.open(config(dir, 2, REGION, EvictionPolicy.FIFO, true))) {
      for (int i = 0; store.stats().evictedRegions() == 0 && i < 1000; i++) {
        store.put(key(1, i * 10_000L), page(key(1, i * 10_000L), 9000));
      }
      PageKey cold = key(2, 0);
      assertThat(store.put(cold, page(cold, 9000))).isFalse(); // asked for never: not admitted
      PageKey derived = PageKey.derived(cold.fileVersion(), 7);
      assertThat(store.put(derived, ByteBuffer.allocate(9000))).isTrue();
      assertThat(store.get(derived)).isNotNull().satisfies(PageHandle::release);
    }
  }

  @Test
  void reportCorruptCountsAndDrops() throws IOException {
    try (PageStore store = PageStore.open(config(dir, 4, REGION, EvictionPolicy.FIFO, false))) {
      PageKey k = key(1, 0);
      store.put(k, page(k, 1000));
      store.reportCorrupt(k);
      assertThat(store.get(k)).isNull();
      assertThat(store.stats().corruptPages()).isEqualTo(1);
      assertThat(store.put(k, page(k, 1000))).isTrue(); // refetched
      assertThat(store.get(k)).isNotNull().satisfies(PageHandle::release);
    }
  }

  @Test
  void secondStoreOnTheSameDirectoryIsRefused() throws IOException {
    try (PageStore first = PageStore.open(config(dir, 4, REGION, EvictionPolicy.FIFO, false))) {
      assertThatThrownBy(() -> PageStore.open(config(dir, 4, REGION, EvictionPolicy.FIFO, false)))
          .isInstanceOf(PageStoreLockedException.class)
          .hasMessageContaining("in use");
    }
    PageStore.open(config(dir, 4, REGION, EvictionPolicy.FIFO, false)).close(); // free again
  }

  @Test
  void cleanRestartServesEveryPageWarm() throws IOException {
    List<PageKey> keys = new ArrayList<>();
    try (PageStore store = PageStore.open(config(dir, 8, REGION, EvictionPolicy.LRU, false))) {
      for (int i = 0; i < 100; i++) {
        PageKey k = key(i % 3, i * 1000L);
        keys.add(k);
        store.put(k, page(k, 2000 + i));
      }
    }
    try (PageStore store = PageStore.open(config(dir, 8, REGION, EvictionPolicy.LRU, false))) {
      assertThat(store.stats().recoveredPages()).isEqualTo(100);
      for (int i = 0; i < keys.size(); i++) {
        try (PageHandle h = store.get(keys.get(i))) {
          assertThat(h).isNotNull();
          assertThat(readThroughChannel(h)).isEqualTo(page(keys.get(i), 2000 + i));
        }
      }
      // and keeps appending after the restart
      PageKey more = key(9, 0);
      assertThat(store.put(more, page(more, 500))).isTrue();
      assertThat(store.get(more)).isNotNull().satisfies(PageHandle::release);
    }
  }

  @Test
  void changedGeometryOrIdentityStartsCold() throws IOException {
    PageKey k = key(1, 0);
    try (PageStore store = PageStore.open(config(dir, 4, REGION, EvictionPolicy.FIFO, false))) {
      store.put(k, page(k, 1000));
    }
    try (PageStore store = PageStore.open(config(dir, 4, 2 * REGION, EvictionPolicy.FIFO, false))) {
      assertThat(store.get(k)).isNull();
      store.put(k, page(k, 1000));
    }
    PageStoreConfig otherIdentity = new PageStoreConfig(dir, 8L * REGION, 2 * REGION, EvictionPolicy.FIFO, false, 1024,
        "another origin", false, false);
    try (PageStore store = PageStore.open(otherIdentity)) {
      assertThat(store.get(k)).isNull();
      assertThat(store.stats().recoveredPages()).isZero();
    }
  }

  @Test
  void damagedOrMissingMetaStartsColdWithoutCrashing() throws IOException {
    PageKey k = key(1, 0);
    PageStoreConfig config = config(dir, 4, REGION, EvictionPolicy.FIFO, false);
    for (String damage : List.of("delete", "truncate", "garbage")) {
      try (PageStore store = PageStore.open(config)) {
        store.put(k, page(k, 1000));
      }
      Path meta = dir.resolve(StoreMeta.FILE_NAME);
      switch (damage) {
        case "delete" -> Files.delete(meta);
        case "truncate" -> Files.write(meta, java.util.Arrays.copyOf(Files.readAllBytes(meta), 10));
        default -> {
          byte[] bytes = Files.readAllBytes(meta);
          bytes[20] ^= 0x5A;
          Files.write(meta, bytes);
        }
      }
      try (PageStore store = PageStore.open(config)) {
        assertThat(store.get(k)).as(damage).isNull();
        assertThat(store.stats().recoveredPages()).isZero();
      }
    }
  }

  @Test
  void closedStoreMissesAndRefusesQuietly() throws IOException {
    PageStore store = PageStore.open(config(dir, 4, REGION, EvictionPolicy.FIFO, false));
    store.close();
    store.close();
    assertThat(store.get(key(1, 0))).isNull();
    assertThat(store.put(key(1, 0), page(key(1, 0), 10))).isFalse();
    store.invalidate(key(1, 0));
  }

  @Test
  void configRejectsBadValuesWithTheValueInTheMessage() {
    assertThatThrownBy(() -> config(dir, 1, REGION, EvictionPolicy.FIFO, false))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(String.valueOf(REGION));
    assertThatThrownBy(() -> config(dir, 4, 1000, EvictionPolicy.FIFO, false))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1000");
    assertThatThrownBy(() -> PageKey.of("v", -1)).hasMessageContaining("-1");
  }
}
