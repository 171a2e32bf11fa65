package io.needle.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.parquet.format.ColumnIndex;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.ConvertedType;
import org.apache.parquet.format.PageType;
import org.apache.parquet.format.SchemaElement;
import org.apache.parquet.format.Statistics;
import org.apache.parquet.format.Type;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Plans every usable key column of every corpus file and checks the plans against
 * {@link CorpusOracle}'s independent page walk: every planned page is a real page boundary of
 * the right type, keys taken from a page's own statistics plan that page, every other column's
 * pages cover the key pages' rows, and a key above every row group's max plans nothing.
 */
class PlannerCorpusTest {
  /** Corpus files in data/ that are damaged on purpose (a chunk's total size is wrong). */
  static final Set<String> KNOWN_CORRUPT = Set.of("nation.dict-malformed.parquet");

  private static final ExecutorService LOADER = Executors.newFixedThreadPool(2);

  @AfterAll
  static void stop() {
    LOADER.shutdownNow();
  }

  static List<Path> corpus() throws Exception {
    return CorpusOracle.files(CorpusOracle.DATA);
  }

  @ParameterizedTest
  @MethodSource("corpus")
  void plansAgreeWithAnIndependentPageWalk(Path file) throws Exception {
    MetadataCache cache = new MetadataCache(MetadataCacheConfig.defaults(), LOADER);
    LocalFileSource source = new LocalFileSource(file);
    if (KNOWN_CORRUPT.contains(file.getFileName().toString())) {
      assertCorrupt(cache.plan(source, new LookupSpec("nation_key", Keys.ofLongs(1), List.of())));
      return;
    }
    CorpusOracle oracle = new CorpusOracle(file);
    FileMetadata meta = FooterReader.load(source, 1 << 16);
    int checked = 0;
    for (LeafColumn leaf : meta.leaves) {
      if (!leaf.usableAsKey()) {
        continue;
      }
      List<KeyFromPage> keys = keysOf(oracle, leaf);
      if (!keys.isEmpty()) {
        FilePlan plan = cache.plan(source, new LookupSpec(leaf.path(), toKeys(leaf, keys), List.of())).get();
        checkPlan(oracle, meta, leaf, keys, plan);
        checked++;
      }
      Keys above = aboveEveryRowGroup(oracle, leaf);
      if (above != null) {
        FilePlan none = cache.plan(source, new LookupSpec(leaf.path(), above, List.of())).get();
        assertThat(none.rowGroups()).as("key above max of %s in %s", leaf.path(), file).isEmpty();
      }
    }
    if (checked == 0) {
      return; // no key column with usable values (floats, nested only, no stats)
    }
    assertThat(cache.weightedBytes()).isPositive();
  }

  record KeyFromPage(int rowGroup, int dataPage, byte[] plain) {}

  /** Keys taken from page minimums (column index, else page header stats), at most a few per chunk. */
  private static List<KeyFromPage> keysOf(CorpusOracle oracle, LeafColumn leaf) {
    List<KeyFromPage> keys = new ArrayList<>();
    for (int rg = 0; rg < oracle.chunks.length; rg++) {
      CorpusOracle.Chunk chunk = oracle.chunks[rg][leaf.index()];
      ColumnIndex ci = chunk.columnIndex();
      List<CorpusOracle.Page> data = chunk.dataPages();
      int step = Math.max(1, data.size() / 7);
      for (int p = 0; p < data.size(); p += step) {
        byte[] value = null;
        if (ci != null && ci.getMin_valuesSize() == data.size() && !ci.getNull_pages().get(p)) {
          byte[] min = bytes(ci.getMin_values().get(p));
          byte[] max = bytes(ci.getMax_values().get(p));
          value = Arrays.equals(min, max) || leaf.type() != LeafColumn.PhysicalType.BYTE_ARRAY ? min : null; // min may be truncated
          if (value == null && leaf.type() == LeafColumn.PhysicalType.BYTE_ARRAY) {
            value = data.get(p).min(); // page header min is exact when present
          }
        } else if (data.get(p).min() != null && !data.get(p).allNull()) {
          value = data.get(p).min();
        }
        if (value != null && fits(leaf, value)) {
          keys.add(new KeyFromPage(rg, p, value));
        }
      }
    }
    return keys;
  }

  private static boolean fits(LeafColumn leaf, byte[] value) {
    return switch (leaf.type()) {
      case INT32 -> value.length == 4;
      case INT64 -> value.length == 8;
      case FIXED_LEN_BYTE_ARRAY -> value.length == leaf.typeLength();
      default -> true;
    };
  }

  private static byte[] bytes(ByteBuffer b) {
    ByteBuffer d = b.duplicate();
    byte[] out = new byte[d.remaining()];
    d.get(out);
    return out;
  }

  private static Keys toKeys(LeafColumn leaf, List<KeyFromPage> keys) {
    if (leaf.type() == LeafColumn.PhysicalType.INT32) {
      return Keys.ofLongs(keys.stream().mapToLong(k -> ByteBuffer.wrap(k.plain()).order(ByteOrder.LITTLE_ENDIAN).getInt()).toArray());
    }
    if (leaf.type() == LeafColumn.PhysicalType.INT64) {
      return Keys.ofLongs(keys.stream().mapToLong(k -> ByteBuffer.wrap(k.plain()).order(ByteOrder.LITTLE_ENDIAN).getLong()).toArray());
    }
    return Keys.ofBytes(keys.stream().map(KeyFromPage::plain).toArray(byte[][]::new));
  }

  /** A key greater than every row group's max (footer statistics), or null when that is not expressible. */
  private static Keys aboveEveryRowGroup(CorpusOracle oracle, LeafColumn leaf) {
    SchemaElement element = schemaElement(oracle, leaf);
    boolean plainOrder = !element.isSetConverted_type() && !element.isSetLogicalType()
        || element.getConverted_type() == ConvertedType.UTF8;
    if (!plainOrder) {
      return null;
    }
    long maxLong = Long.MIN_VALUE;
    byte[] maxBytes = null;
    for (int rg = 0; rg < oracle.chunks.length; rg++) {
      ColumnMetaData m = oracle.footer.getRow_groups().get(rg).getColumns().get(leaf.index()).getMeta_data();
      Statistics st = m.getStatistics();
      if (st == null || !st.isSetMax_value()) {
        return null;
      }
      byte[] max = st.getMax_value();
      if (leaf.type() == LeafColumn.PhysicalType.INT32) {
        maxLong = Math.max(maxLong, ByteBuffer.wrap(max).order(ByteOrder.LITTLE_ENDIAN).getInt());
      } else if (leaf.type() == LeafColumn.PhysicalType.INT64) {
        maxLong = Math.max(maxLong, ByteBuffer.wrap(max).order(ByteOrder.LITTLE_ENDIAN).getLong());
      } else if (leaf.type() == LeafColumn.PhysicalType.BYTE_ARRAY) {
        maxBytes = maxBytes == null || Arrays.compareUnsigned(max, maxBytes) > 0 ? max : maxBytes;
      } else {
        return null;
      }
    }
    if (leaf.type() == LeafColumn.PhysicalType.BYTE_ARRAY) {
      return maxBytes == null ? null : Keys.ofBytes(Arrays.copyOf(maxBytes, maxBytes.length + 1));
    }
    long limit = leaf.type() == LeafColumn.PhysicalType.INT32 ? Integer.MAX_VALUE : Long.MAX_VALUE;
    return maxLong == Long.MIN_VALUE || maxLong >= limit ? null : Keys.ofLongs(maxLong + 1);
  }

  private static SchemaElement schemaElement(CorpusOracle oracle, LeafColumn leaf) {
    int leafCount = -1;
    for (SchemaElement e : oracle.footer.getSchema().subList(1, oracle.footer.getSchemaSize())) {
      if (e.getNum_children() == 0 && e.isSetType() && ++leafCount == leaf.index()) {
        return e;
      }
    }
    throw new AssertionError("no leaf " + leaf.index());
  }

  private static void checkPlan(CorpusOracle oracle, FileMetadata meta, LeafColumn key, List<KeyFromPage> keys, FilePlan plan)
      throws Exception {
    Map<Integer, RowGroupPlan> byGroup = new LinkedHashMap<>();
    int previous = -1;
    for (RowGroupPlan g : plan.rowGroups()) {
      assertThat(g.rowGroup()).isGreaterThan(previous);
      previous = g.rowGroup();
      byGroup.put(g.rowGroup(), g);
      assertThat(g.rowCount()).isEqualTo(oracle.footer.getRow_groups().get(g.rowGroup()).getNum_rows());
      checkColumns(oracle, key, g);
    }
    for (KeyFromPage k : keys) {
      RowGroupPlan g = byGroup.get(k.rowGroup());
      assertThat(g).as("row group %d holding key page %d of %s", k.rowGroup(), k.dataPage(), key.path()).isNotNull();
      long offset = oracle.chunks[k.rowGroup()][key.index()].dataPages().get(k.dataPage()).offset();
      assertThat(g.columns().get(0).dataPages()).extracting(PageRef::offset).as("key pages of %s", key.path()).contains(offset);
    }
  }

  private static void checkColumns(CorpusOracle oracle, LeafColumn key, RowGroupPlan g) throws Exception {
    int rg = g.rowGroup();
    List<ColumnPlan> columns = g.columns();
    assertThat(columns.get(0).leaf()).isEqualTo(key.index());
    int leafCount = oracle.chunks[rg].length;
    List<Integer> expectedOrder = new ArrayList<>();
    expectedOrder.add(key.index());
    for (int l = 0; l < leafCount; l++) {
      if (l != key.index()) {
        expectedOrder.add(l);
      }
    }
    assertThat(columns).extracting(ColumnPlan::leaf).containsExactlyElementsOf(expectedOrder);

    CorpusOracle.Chunk keyChunk = oracle.chunks[rg][key.index()];
    List<CorpusOracle.Page> keyData = keyChunk.dataPages();
    List<long[]> keyRanges = new ArrayList<>();
    for (PageRef ref : columns.get(0).dataPages()) {
      int i = indexOf(keyData, ref.offset());
      assertThat(ref.firstRow()).isEqualTo(keyChunk.dataFirstRows()[i]);
      keyRanges.add(new long[] {keyChunk.dataFirstRows()[i], keyChunk.dataEndRow(i)});
    }
    Set<String> fieldsWithUnknownRows = new HashSet<>();
    for (int l = 0; l < leafCount; l++) {
      if (Arrays.stream(oracle.chunks[rg][l].dataFirstRows()).anyMatch(r -> r < 0)) {
        fieldsWithUnknownRows.add(topField(oracle, rg, l));
      }
    }
    for (ColumnPlan column : columns) {
      CorpusOracle.Chunk chunk = oracle.chunks[rg][column.leaf()];
      assertThat(column.codec()).isEqualTo(oracle.footer.getRow_groups().get(rg).getColumns().get(column.leaf()).getMeta_data().getCodec());
      if (column.dictionary() != null) {
        assertRealPage(oracle, chunk, column.dictionary(), true);
      } else {
        assertThat(chunk.pages()).noneMatch(p -> p.type() == PageType.DICTIONARY_PAGE);
      }
      for (PageRef ref : column.dataPages()) {
        assertRealPage(oracle, chunk, ref, false);
      }
      assertThat(column.dataPages()).extracting(PageRef::offset).isSorted();
      if (column.leaf() == key.index()) {
        continue;
      }
      List<CorpusOracle.Page> data = chunk.dataPages();
      if (fieldsWithUnknownRows.contains(topField(oracle, rg, column.leaf()))) {
        assertThat(column.dataPages()).extracting(PageRef::offset).containsExactlyElementsOf(data.stream().map(CorpusOracle.Page::offset).toList());
        for (int i = 0; i < column.dataPages().size(); i++) {
          assertThat(column.dataPages().get(i).firstRow()).isEqualTo(i == 0 ? 0 : -1);
        }
        continue;
      }
      Set<Long> planned = new HashSet<>();
      for (PageRef ref : column.dataPages()) {
        planned.add(ref.offset());
        assertThat(ref.firstRow()).isEqualTo(chunk.dataFirstRows()[indexOf(data, ref.offset())]);
      }
      for (int i = 0; i < data.size(); i++) {
        long start = chunk.dataFirstRows()[i];
        long end = chunk.dataEndRow(i);
        boolean overlaps = keyRanges.stream().anyMatch(r -> r[0] < end && start < r[1]);
        if (overlaps) {
          assertThat(planned).as("page %d of leaf %d rows [%d,%d)", i, column.leaf(), start, end).contains(data.get(i).offset());
        }
      }
    }
  }

  private static String topField(CorpusOracle oracle, int rg, int leaf) {
    return oracle.footer.getRow_groups().get(rg).getColumns().get(leaf).getMeta_data().getPath_in_schema().get(0);
  }

  private static int indexOf(List<CorpusOracle.Page> pages, long offset) {
    for (int i = 0; i < pages.size(); i++) {
      if (pages.get(i).offset() == offset) {
        return i;
      }
    }
    return fail("no page at offset " + offset);
  }

  private static void assertRealPage(CorpusOracle oracle, CorpusOracle.Chunk chunk, PageRef ref, boolean dictionary) throws Exception {
    CorpusOracle.Page parsed = oracle.pageAt(ref.offset());
    assertThat(parsed.length()).as("header + body at %d", ref.offset()).isEqualTo(ref.length());
    if (dictionary) {
      assertThat(parsed.type()).isEqualTo(PageType.DICTIONARY_PAGE);
      assertThat(ref.firstRow()).isEqualTo(-1);
    } else {
      assertThat(parsed.type()).isIn(PageType.DATA_PAGE, PageType.DATA_PAGE_V2);
    }
    assertThat(chunk.pages()).extracting(CorpusOracle.Page::offset).contains(ref.offset());
  }

  static void assertCorrupt(java.util.concurrent.CompletableFuture<?> future) {
    try {
      future.get();
      fail("expected CORRUPT");
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(ParquetException.class);
      assertThat(((ParquetException) e.getCause()).kind()).isEqualTo(ParquetException.Kind.CORRUPT);
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void sortedKeyWithTinyPagesPlansOnePageAndOverlappingPagesOnly() throws Exception {
    MetadataCache cache = new MetadataCache(MetadataCacheConfig.defaults(), LOADER);
    LocalFileSource source = new LocalFileSource(CorpusOracle.DATA.resolve("alltypes_tiny_pages.parquet"));
    FilePlan plan = cache.plan(source, new LookupSpec("id", Keys.ofLongs(1234), List.of("id", "string_col"))).get();
    assertThat(plan.rowGroups()).hasSize(1);
    List<ColumnPlan> columns = plan.rowGroups().get(0).columns();
    assertThat(columns).extracting(ColumnPlan::leaf).containsExactly(0, 9);
    // id is not sorted in this file (UNORDERED column index): a handful of its 325 pages may hold 1234
    assertThat(columns.get(0).dataPages()).isNotEmpty().hasSizeLessThan(20);
    assertThat(columns.get(1).dataPages()).isNotEmpty().hasSizeLessThan(40);
    // second call: no I/O at all
    int reads = source.reads.get();
    assertThat(cache.plan(source, new LookupSpec("id", Keys.ofLongs(99), List.of())).getNow(null)).isNotNull();
    assertThat(source.reads.get()).isEqualTo(reads);
  }
}
