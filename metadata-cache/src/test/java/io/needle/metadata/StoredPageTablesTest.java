package io.needle.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Page tables walked from files without an offset index go to the {@link DerivedStore} and come
 * back from it in a new cache (a restarted worker) without walking the chunks again; a stored
 * record that does not describe the chunk is walked again, never trusted.
 */
class StoredPageTablesTest {
  private static final ExecutorService LOADER = Executors.newFixedThreadPool(2);

  @AfterAll
  static void stop() {
    LOADER.shutdownNow();
  }

  @Test
  void walkedPageTablesComeBackFromTheStoreAndBadRecordsAreWalkedAgain() throws Exception {
    LookupSpec spec = new LookupSpec("id", Keys.ofLongs(3), List.of("bool_col", "string_col"));
    LocalFileSource first = new LocalFileSource(CorpusOracle.DATA.resolve("alltypes_plain.parquet"));
    MapDerivedStore store = new MapDerivedStore();
    FilePlan planned = new MetadataCache(MetadataCacheConfig.defaults(), LOADER, store).plan(first, spec).get();
    assertThat(store.records).as("the walked chunks' page tables").hasSizeGreaterThanOrEqualTo(3);

    LocalFileSource second = new LocalFileSource(CorpusOracle.DATA.resolve("alltypes_plain.parquet"));
    FilePlan again = new MetadataCache(MetadataCacheConfig.defaults(), LOADER, store).plan(second, spec).get();
    assertThat(again.rowGroups()).isEqualTo(planned.rowGroups());
    assertThat(second.reads.get()).as("fewer reads than the walk took").isLessThan(first.reads.get());

    for (Map.Entry<String, byte[]> e : store.records.entrySet()) {
      byte[] bad = e.getValue();
      bad[bad.length - 5] ^= 0x40; // a first row or length that is not the chunk's
      e.setValue(bad);
    }
    LocalFileSource third = new LocalFileSource(CorpusOracle.DATA.resolve("alltypes_plain.parquet"));
    assertThat(new MetadataCache(MetadataCacheConfig.defaults(), LOADER, store).plan(third, spec).get().rowGroups())
        .isEqualTo(planned.rowGroups());
  }
}
