package io.needle.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.needle.metadata.RepagedChunk;
import io.needle.pagestore.EvictionPolicy;
import io.needle.pagestore.PageKey;
import io.needle.pagestore.PageStore;
import io.needle.pagestore.PageStoreConfig;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.parquet.format.CompressionCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Re-paged addresses never meet real file offsets; a stored page table reads back as written, or not at all. */
class RepagedTableCodecTest {
  private static final long SETTINGS = 0x1234_5678_9ABC_DEF0L;

  private static RepagedChunk chunk(int rowGroup, int leaf, boolean bounds) {
    int[] lengths = {100, 7, 8192, 3};
    long[] offsets = new long[lengths.length];
    long at = 0;
    for (int i = 0; i < lengths.length; i++) {
      offsets[i] = RepagedAddress.page(rowGroup, leaf, at);
      at += lengths[i];
    }
    byte[][] mins = bounds ? new byte[][] {{1}, null, {2, 3}, {}} : null;
    byte[][] maxs = bounds ? new byte[][] {{9}, null, {4, 5, 6}, {}} : null;
    return new RepagedChunk(rowGroup, leaf, CompressionCodec.SNAPPY, offsets, lengths, new long[] {0, 32, 64, 900}, mins, maxs);
  }

  @Test
  void addressesHaveBit62AndNameTheirChunk() {
    long[] real = {0, 4, 1L << 40, (1L << 62) - 1};
    for (long offset : real) {
      assertThat(RepagedAddress.isRepaged(offset)).as("file offset %d", offset).isFalse();
    }
    long page = RepagedAddress.page(RepagedAddress.MAX_ROW_GROUPS - 1, RepagedAddress.MAX_LEAVES - 1, 12345);
    assertThat(RepagedAddress.isRepaged(page)).isTrue();
    assertThat(page).isPositive(); // a PageKey offset must not be negative
    assertThat(RepagedAddress.rowGroup(page)).isEqualTo(RepagedAddress.MAX_ROW_GROUPS - 1);
    assertThat(RepagedAddress.leaf(page)).isEqualTo(RepagedAddress.MAX_LEAVES - 1);
    long table = RepagedAddress.table(3, 5);
    assertThat(RepagedAddress.rowGroup(table)).isEqualTo(3);
    assertThat(RepagedAddress.leaf(table)).isEqualTo(5);
    assertThat(table).isGreaterThan(RepagedAddress.page(3, 5, RepagedAddress.TABLE_OFFSET - 1));
    assertThatThrownBy(() -> RepagedAddress.page(RepagedAddress.MAX_ROW_GROUPS, 0, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RepagedAddress.page(0, 0, RepagedAddress.TABLE_OFFSET))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void repagedPagesLiveUnderTheirFileVersionAndLeaveWithIt(@TempDir Path dir) throws Exception {
    String version = "/t/part-0.parquet|123:etag";
    long address = RepagedAddress.page(0, 1, 0);
    try (PageStore store = PageStore.open(new PageStoreConfig(dir, 4L << 20, 1 << 20, EvictionPolicy.LRU, false, 8192, "t",
        false, false))) {
      assertThat(store.put(PageKey.of(version, address), ByteBuffer.wrap(new byte[] {1, 2, 3}))).isTrue();
      assertThat(store.put(PageKey.of(version, 0), ByteBuffer.wrap(new byte[] {4}))).isTrue();
      assertThat(store.get(PageKey.of(version + "-next", address))).as("a new version never sees them").isNull();
      store.invalidateFile(PageKey.hashVersion(version));
      assertThat(store.get(PageKey.of(version, address))).isNull();
      assertThat(store.get(PageKey.of(version, 0))).isNull();
    }
  }

  @Test
  void roundTripsWithAndWithoutBounds() {
    for (boolean bounds : new boolean[] {true, false}) {
      RepagedChunk written = chunk(2, 7, bounds);
      RepagedChunk read = RepagedTableCodec.decode(ByteBuffer.wrap(RepagedTableCodec.encode(written, SETTINGS)), SETTINGS, 2, 7);
      assertThat(read).isNotNull();
      assertThat(read.codec()).isEqualTo(CompressionCodec.SNAPPY);
      assertThat(read.pageCount()).isEqualTo(written.pageCount());
      for (int p = 0; p < written.pageCount(); p++) {
        assertThat(read.offset(p)).isEqualTo(written.offset(p));
        assertThat(read.length(p)).isEqualTo(written.length(p));
        assertThat(read.firstRow(p)).isEqualTo(written.firstRow(p));
        assertThat(read.keyMin(p)).isEqualTo(written.keyMin(p));
        assertThat(read.keyMax(p)).isEqualTo(written.keyMax(p));
      }
    }
  }

  @Test
  void otherSettingsAnotherChunkOrDamagedBytesReadAsAbsent() {
    byte[] bytes = RepagedTableCodec.encode(chunk(2, 7, true), SETTINGS);
    assertThat(RepagedTableCodec.decode(ByteBuffer.wrap(bytes), SETTINGS + 1, 2, 7)).isNull();
    assertThat(RepagedTableCodec.decode(ByteBuffer.wrap(bytes), SETTINGS, 2, 8)).isNull();
    assertThat(RepagedTableCodec.decode(ByteBuffer.wrap(bytes), SETTINGS, 1, 7)).isNull();
    for (int cut = 0; cut < bytes.length; cut++) {
      assertThat(RepagedTableCodec.decode(ByteBuffer.wrap(Arrays.copyOf(bytes, cut)), SETTINGS, 2, 7))
          .as("cut at %d", cut).isNull();
    }
    byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
    assertThat(RepagedTableCodec.decode(ByteBuffer.wrap(longer), SETTINGS, 2, 7)).isNull();
  }
}
