package io.needle.pagestore;

import static io.needle.pagestore.TestPages.readThroughChannel;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bit rot (RELIABILITY.md T01): one byte flipped in each of many records of the region file,
 * anywhere in the record header, the version bytes or the payload. Every affected page is
 * detected — as a miss by the store, or as a CRC32C mismatch by the receiver on either zero-copy
 * path — and no unaffected hit returns wrong bytes. Checked on the live store and after a restart.
 */
class CorruptionTest {
  private static final int REGION = 128 * 1024;
  private static final int PAGES = 300;

  @TempDir Path dir;

  private PageStoreConfig config(boolean verifyOnRead) {
    return new PageStoreConfig(dir, 8L * REGION, REGION, EvictionPolicy.FIFO, false, 1024, "rot", false, verifyOnRead);
  }

  private static PageKey keyOf(int i) {
    return TestPages.key(i % 4, i * 10_000L);
  }

  private static int lengthOf(PageKey k) {
    return TestPages.lengthOf(k, 1, 3000);
  }

  @ParameterizedTest(name = "restart={0}")
  @ValueSource(booleans = {false, true})
  void everyFlippedPageIsDetected(boolean restart) throws IOException {
    PageStore store = PageStore.open(config(false));
    Map<Long, PageKey> byOffset = fill(store);
    if (restart) {
      store.close();
    }
    Set<PageKey> flipped = flipOneBytePerRecord(byOffset, 80, new SplittableRandom(restart ? 7 : 8));
    if (restart) {
      store = PageStore.open(config(false));
    }
    try {
      int detectedByStore = 0;
      int detectedByCrc = 0;
      for (int i = 0; i < PAGES; i++) {
        PageKey k = keyOf(i);
        ByteBuffer expected = TestPages.page(k, lengthOf(k));
        try (PageHandle h = store.get(k)) {
          if (flipped.contains(k)) {
            if (h == null) {
              detectedByStore++;
            } else {
              assertThat(TestPages.crc32c(readThroughChannel(h))).as("sendfile path, %s", k).isNotEqualTo(h.crc32c());
              assertThat(TestPages.crc32c(h.slice())).as("mapped path, %s", k).isNotEqualTo(h.crc32c());
              detectedByCrc++;
            }
          } else if (h != null) {
            assertThat(readThroughChannel(h)).as("unaffected %s", k).isEqualTo(expected);
            assertThat(h.crc32c()).isEqualTo(TestPages.crc32c(expected));
          }
        }
      }
      assertThat(detectedByStore + detectedByCrc).isEqualTo(flipped.size());
      assertThat(detectedByStore).isPositive();
      assertThat(detectedByCrc).isPositive();
    } finally {
      store.close();
    }
  }

  @Test
  void verifyOnReadTurnsPayloadRotIntoCountedMisses() throws IOException {
    try (PageStore store = PageStore.open(config(true))) {
      Map<Long, PageKey> byOffset = fill(store);
      Set<PageKey> flipped = flipOneBytePerRecord(byOffset, 50, new SplittableRandom(9));
      for (PageKey k : flipped) {
        assertThat(store.get(k)).as("%s", k).isNull();
      }
      assertThat(store.stats().corruptPages()).isPositive();
    }
  }

  private static Map<Long, PageKey> fill(PageStore store) {
    Map<Long, PageKey> byOffset = new HashMap<>();
    for (int i = 0; i < PAGES; i++) {
      PageKey k = keyOf(i);
      assertThat(store.put(k, TestPages.page(k, lengthOf(k)))).isTrue();
      byOffset.put(k.pageOffset(), k);
    }
    assertThat(store.stats().evictedRegions()).isZero();
    return byOffset;
  }

  /** Flips one byte in {@code count} random live records; returns their keys. */
  private Set<PageKey> flipOneBytePerRecord(Map<Long, PageKey> byOffset, int count, SplittableRandom random)
      throws IOException {
    PageStoreConfig config = config(false);
    long storeId = StoreMeta.read(dir).storeId();
    record Target(PageKey key, long recordPosition, int headerEnd, int payloadStart, int payloadLength) {}
    List<Target> targets = new ArrayList<>();
    try (FileChannel ch = FileChannel.open(dir.resolve(RegionPageStore.REGION_FILE), StandardOpenOption.READ,
        StandardOpenOption.WRITE)) {
      ByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, 0, config.capacityBytes()).order(ByteOrder.LITTLE_ENDIAN);
      for (int r = 0; r < config.regionCount(); r++) {
        Region region = new Region(r, (long) r * REGION, REGION, ch, map, r * REGION);
        long seq = RecordFormat.readRegionSeq(region, storeId);
        if (seq < 0) {
          continue;
        }
        int offset = RecordFormat.REGION_HEADER_BYTES;
        for (int bytes; (bytes = RecordFormat.validRecordBytes(region, offset, REGION, seq)) > 0; offset += bytes) {
          int versionLength = RecordFormat.versionLength(region, offset);
          targets.add(new Target(byOffset.get(RecordFormat.pageOffset(region, offset)), region.fileOffset() + offset,
              RecordFormat.RECORD_HEADER_BYTES + versionLength, RecordFormat.payloadStart(versionLength),
              RecordFormat.payloadLength(region, offset)));
        }
      }
      assertThat(targets).hasSize(PAGES);
      Collections.shuffle(targets, new java.util.Random(random.nextLong()));
      Set<PageKey> flipped = new HashSet<>();
      for (Target t : targets.subList(0, count)) {
        // a byte of the header + version, or of the payload (not the alignment padding between)
        int inHeader = t.headerEnd();
        int pick = random.nextInt(inHeader + t.payloadLength());
        long position = t.recordPosition() + (pick < inHeader ? pick : t.payloadStart() + (pick - inHeader));
        ByteBuffer one = ByteBuffer.allocate(1);
        ch.read(one, position);
        one.put(0, (byte) (one.get(0) ^ (1 << random.nextInt(8))));
        ch.write(one.flip(), position);
        flipped.add(t.key());
      }
      return flipped;
    }
  }
}
