package io.needle.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.parquet.format.CompressionCodec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A published re-paged chunk replaces the chunk's pages in plans (codec, no dictionary, key pages
 * chosen by its own bounds, other columns by the key page's rows), and dropping it brings the
 * file's pages back.
 */
class RepagedPlanTest {
  private static final ExecutorService LOADER = Executors.newFixedThreadPool(2);
  /** Re-paged pages' offsets, as the worker makes them: never a real file offset. */
  private static final long BASE = 1L << 62;

  @AfterAll
  static void stop() {
    LOADER.shutdownNow();
  }

  private static byte[] int32(int v) {
    return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
  }

  /** Pages of {@code rowsPerPage} rows over {@code rows} rows, 100 bytes each. */
  private static RepagedChunk chunk(int rowGroup, int leaf, long rows, int rowsPerPage, long base, boolean bounds,
      int claimedPage, int key) {
    int n = (int) ((rows + rowsPerPage - 1) / rowsPerPage);
    long[] offsets = new long[n];
    int[] lengths = new int[n];
    long[] firstRows = new long[n];
    byte[][] mins = bounds ? new byte[n][] : null;
    byte[][] maxs = bounds ? new byte[n][] : null;
    for (int p = 0; p < n; p++) {
      offsets[p] = base + p * 100L;
      lengths[p] = 100;
      firstRows[p] = (long) p * rowsPerPage;
      if (bounds) { // ascending bounds that put the key in claimedPage only
        mins[p] = int32(p == claimedPage ? key : p < claimedPage ? key - 1000 + p : key + p);
        maxs[p] = int32(p == claimedPage ? key : p < claimedPage ? key - 1000 + p : key + p);
      }
    }
    return new RepagedChunk(rowGroup, leaf, CompressionCodec.UNCOMPRESSED, offsets, lengths, firstRows, mins, maxs);
  }

  @Test
  void planServesPublishedRepagedChunksAndTheFilesPagesAfterADrop() throws Exception {
    BytesSource source = new BytesSource("tiny", Files.readAllBytes(CorpusOracle.DATA.resolve("alltypes_tiny_pages.parquet")));
    MetadataCache cache = new MetadataCache(MetadataCacheConfig.defaults(), LOADER);
    LookupSpec spec = new LookupSpec("id", Keys.ofLongs(42), List.of("id", "bool_col", "string_col"));
    FilePlan original = cache.plan(source, spec).get();
    RowGroupPlan rg = original.rowGroups().get(0);
    ColumnPlan key = rg.columns().get(0);
    ColumnPlan other = rg.columns().get(2);
    assertThat(key.dataPages()).allMatch(p -> p.offset() < BASE);

    int claimed = 3; // rows [30, 40): the bounds say key 42 lives there
    assertThat(cache.publishRepaged(source.version(), chunk(rg.rowGroup(), key.leaf(), rg.rowCount(), 10, BASE, true, claimed, 42)))
        .isTrue();
    assertThat(cache.publishRepaged(source.version(), chunk(rg.rowGroup(), other.leaf(), rg.rowCount(), 4, BASE + (1L << 40),
        false, 0, 0))).isTrue();
    FilePlan repaged = cache.plan(source, spec).get();
    RowGroupPlan rg2 = repaged.rowGroups().stream().filter(r -> r.rowGroup() == rg.rowGroup()).findFirst().orElseThrow();
    ColumnPlan key2 = rg2.columns().get(0);
    assertThat(key2.codec()).isEqualTo(CompressionCodec.UNCOMPRESSED);
    assertThat(key2.dictionary()).isNull();
    assertThat(key2.dataPages()).containsExactly(new PageRef(BASE + claimed * 100L, 100, 30));
    ColumnPlan other2 = rg2.columns().stream().filter(c -> c.leaf() == other.leaf()).findFirst().orElseThrow();
    assertThat(other2.dictionary()).isNull();
    // rows [30, 40) lie in the 4-row pages starting at 28, 32 and 36
    assertThat(other2.dataPages()).extracting(PageRef::firstRow).containsExactly(28L, 32L, 36L);
    assertThat(other2.dataPages()).allMatch(p -> p.offset() >= BASE + (1L << 40));
    assertThat(cache.repaged(source.version(), rg.rowGroup(), other.leaf())).isNotNull();

    cache.dropRepaged(source.version(), rg.rowGroup(), key.leaf());
    cache.dropRepaged(source.version(), rg.rowGroup(), other.leaf());
    assertThat(cache.plan(source, spec).get()).isEqualTo(original);
  }

  @Test
  void aChunkThatDoesNotFitItsRowGroupOrAnUncachedVersionIsRefused() throws Exception {
    BytesSource source = new BytesSource("tiny", Files.readAllBytes(CorpusOracle.DATA.resolve("alltypes_tiny_pages.parquet")));
    MetadataCache cache = new MetadataCache(MetadataCacheConfig.defaults(), LOADER);
    assertThat(cache.publishRepaged(source.version(), chunk(0, 1, 100, 10, BASE, false, 0, 0))).as("not cached").isFalse();
    FilePlan plan = cache.plan(source, new LookupSpec("id", Keys.ofLongs(42), List.of())).get();
    long rows = plan.rowGroups().get(0).rowCount();
    int rg = plan.rowGroups().get(0).rowGroup();
    assertThat(cache.publishRepaged(source.version(), chunk(rg, 1, rows + 10, 10, BASE, false, 0, 0))).as("too many rows")
        .isFalse();
    assertThat(cache.publishRepaged(source.version(), chunk(rg, 10_000, rows, 10, BASE, false, 0, 0))).as("no such leaf")
        .isFalse();
    assertThat(cache.chunkLayout(source.version(), rg, 1)).isNotNull();
    assertThat(cache.chunkLayout(source.version(), rg, 1).end()).isGreaterThan(cache.chunkLayout(source.version(), rg, 1).start());
  }
}
