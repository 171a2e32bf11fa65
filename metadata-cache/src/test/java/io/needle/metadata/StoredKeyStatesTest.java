package io.needle.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A key column's page bounds (walked from page headers where there is no page index) and bloom
 * filters go to the {@link DerivedStore}: a new cache on the same store (a restarted worker)
 * plans the same lookup reading nothing but what any plan of the file reads (footer and offset
 * indexes); a stored record that does not describe the file's chunks reads as absent.
 */
class StoredKeyStatesTest {
  private static final ExecutorService LOADER = Executors.newFixedThreadPool(2);

  @AfterAll
  static void stop() {
    LOADER.shutdownNow();
  }

  @ParameterizedTest
  @CsvSource({
      "alltypes_plain.parquet, id, 3", // no page index: bounds walked from page headers
      "data_index_bloom_encoding_stats.parquet, String, needle-absent", // bloom filter on the key
  })
  void aRestartedCachePlansFromTheStoredKeyStateWithoutReadingItAgain(String name, String column, String key)
      throws Exception {
    Keys keys = column.equals("id") ? Keys.ofLongs(Long.parseLong(key)) : Keys.ofBytes(key.getBytes(StandardCharsets.UTF_8));
    LookupSpec spec = new LookupSpec(column, keys, List.of(column));
    LocalFileSource bare = new LocalFileSource(CorpusOracle.DATA.resolve(name));
    new MetadataCache(MetadataCacheConfig.defaults(), LOADER, DerivedStore.NONE).describe(bare, null).get();
    int footerReads = bare.reads.get();

    MapDerivedStore store = new MapDerivedStore();
    LocalFileSource first = new LocalFileSource(CorpusOracle.DATA.resolve(name));
    FilePlan planned = new MetadataCache(MetadataCacheConfig.defaults(), LOADER, store).plan(first, spec).get();
    assertThat(first.reads.get()).as("the first plan reads the key state").isGreaterThan(footerReads);
    assertThat(store.countFrom(StoredKeyStates.SLOT_LIMIT)).as("key bounds (and bloom filters) stored").isPositive();

    LocalFileSource second = new LocalFileSource(CorpusOracle.DATA.resolve(name));
    FilePlan again = new MetadataCache(MetadataCacheConfig.defaults(), LOADER, store).plan(second, spec).get();
    assertThat(again.rowGroups()).isEqualTo(planned.rowGroups());
    assertThat(second.reads.get()).as("reads after the restart: the footer's only").isEqualTo(footerReads);
  }

  @Test
  void boundsRoundTripAndRecordsOfOtherChunksReadAsAbsent() {
    LeafColumn leaf = new LeafColumn(0, "k", LeafColumn.PhysicalType.INT64, 0, 0, 0, 0, true, StatsOrder.SIGNED);
    KeyPageBounds[] bounds = {
        KeyPageBounds.ofLongs(new int[] {0, 2}, new long[] {1, 10}, new long[] {9, 20}, new int[] {1},
            KeyPageBounds.Order.ASCENDING),
        null,
    };
    int[] pageCounts = {3, 4};
    byte[] bytes = StoredKeyStates.encodeBounds(bounds, pageCounts);
    KeyPageBounds[] back = StoredKeyStates.decodeBounds(bytes, leaf, pageCounts);
    assertThat(back).hasSize(2);
    assertThat(back[1]).isNull();
    for (long key : new long[] {0, 1, 5, 9, 10, 15, 20, 21}) {
      BitSet want = new BitSet();
      bounds[0].mark(key, want);
      BitSet got = new BitSet();
      back[0].mark(key, got);
      assertThat(got).as("candidates of %s", key).isEqualTo(want);
    }
    assertThat(back[0].order).isEqualTo(KeyPageBounds.Order.ASCENDING);

    assertThat(StoredKeyStates.decodeBounds(bytes, leaf, new int[] {2, 4})).as("other page counts").isNull();
    assertThat(StoredKeyStates.decodeBounds(bytes, leaf, new int[] {3})).as("other row groups").isNull();
    for (int cut = 0; cut < bytes.length; cut++) {
      assertThat(StoredKeyStates.decodeBounds(Arrays.copyOf(bytes, cut), leaf, pageCounts)).as("cut at %s", cut).isNull();
    }
    byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
    assertThat(StoredKeyStates.decodeBounds(longer, leaf, pageCounts)).as("trailing bytes").isNull();
  }
}
