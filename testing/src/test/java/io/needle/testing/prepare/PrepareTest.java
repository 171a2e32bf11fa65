package io.needle.testing.prepare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.needle.bench.gen.WriterLayout;
import io.needle.bench.prepare.PrepareOptions;
import io.needle.bench.prepare.PrepareResult;
import io.needle.bench.prepare.TablePreparer;
import io.needle.client.NeedleClient;
import io.needle.client.Row;
import io.needle.client.Table;
import io.needle.testing.MatrixTables;
import io.needle.testing.ParquetOracle;
import io.needle.testing.TableSpec;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.parquet.column.values.bloomfilter.BloomFilter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.internal.column.columnindex.OffsetIndex;
import org.apache.parquet.schema.ColumnOrder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code needle prepare} on tables as users have them (parquet-java's defaults with shuffled rows
 * and every value type of the matrix; DuckDB with nested columns), checked against parquet-java's
 * reading of source and output: the same multiset of rows, keys globally sorted, file key ranges
 * disjoint, page index and a bloom filter holding every key; the external sort with a tiny memory
 * budget; and lookups through a real worker and client answering the same rows on both tables.
 */
class PrepareTest {
  @TempDir
  static Path dir;

  static TableSpec matrix;
  static Path defaults;
  static Path duck;

  @BeforeAll
  static void writeSources() throws Exception {
    matrix = MatrixTables.write(dir.resolve("matrix")).stream().filter(t -> t.name().equals("key_int64"))
        .findFirst().orElseThrow();
    defaults = dir.resolve("defaults");
    SourceTables.parquetJavaDefaults(matrix.files(), defaults, 3, 11);
    duck = dir.resolve("duck");
    SourceTables.duckDb(duck, 4000, false);
  }

  private static PrepareResult prepare(Path src, Path dst, PrepareOptions options) throws IOException {
    return TablePreparer.prepare(src, dst, options,
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
  }

  @Test
  void parquetJavaDefaultsTableBecomesSortedDisjointIndexedAndBloomFilteredWithTheSameRows() throws Exception {
    Path out = dir.resolve("prepared-defaults");
    PrepareResult r = prepare(defaults, out, PrepareOptions.defaults("k").withFileBytes(96 * 1024));

    assertThat(r.files()).hasSizeGreaterThan(2);
    assertThat(r.runs()).isZero(); // fits the default budget: sorted in memory
    assertSameRows(files(defaults), r.files());
    assertLookupFriendly(r.files(), "k", WriterLayout.defaults());
  }

  @Test
  void duckDbTableWithNestedColumnsKeepsEveryRowAndType() throws Exception {
    Path out = dir.resolve("prepared-duck");
    PrepareResult r = prepare(duck, out, PrepareOptions.defaults("id").withFileBytes(64 * 1024));

    assertThat(r.files()).hasSizeGreaterThan(1);
    assertThat(r.rows()).isEqualTo(4000);
    assertSameRows(files(duck), r.files());
    assertLookupFriendly(r.files(), "id", WriterLayout.defaults());
  }

  @Test
  void externalSortWithATinyBudgetSpillsManyRunsMergesInPassesAndKeepsTheRows() throws Exception {
    Path out = dir.resolve("prepared-tiny");
    PrepareOptions options = PrepareOptions.defaults("k").withFileBytes(128 * 1024).withMemory(64 * 1024, 3)
        .withTmpDir(Files.createDirectories(dir.resolve("runs")));
    PrepareResult r = prepare(defaults, out, options);

    assertThat(r.runs()).isGreaterThan(9);
    assertThat(r.mergePasses()).isGreaterThanOrEqualTo(2);
    try (Stream<Path> left = Files.list(dir.resolve("runs"))) {
      assertThat(left).as("run files are removed").isEmpty();
    }
    assertSameRows(files(defaults), r.files());
    assertLookupFriendly(r.files(), "k", WriterLayout.defaults());
  }

  @Test
  void nullKeysAreRefusedBeforeAnythingIsWritten() throws Exception {
    Path src = SourceTables.duckDb(dir.resolve("duck-null"), 100, true);
    assertThatThrownBy(() -> prepare(src, dir.resolve("prepared-null"), PrepareOptions.defaults("id")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1 rows have a null id");
    assertThatThrownBy(() -> prepare(duck, dir.resolve("prepared-bad-key"), PrepareOptions.defaults("s")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("a key is a top-level, non-repeated");
  }

  @Test
  void aWorkerAnswersThePreparedTableWithTheSourcesRows() throws Exception {
    Path preparedDefaults = dir.resolve("lookup-defaults");
    prepare(defaults, preparedDefaults, PrepareOptions.defaults("k").withFileBytes(96 * 1024));
    Path preparedDuck = dir.resolve("lookup-duck");
    prepare(duck, preparedDuck, PrepareOptions.defaults("id").withFileBytes(64 * 1024));
    Worker worker = Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(dir)));
    try (NeedleClient client = NeedleClient.builder()
        .workers(List.of("127.0.0.1:" + worker.address().getPort()))
        .requestTimeout(Duration.ofSeconds(30))
        .build()) {
      List<Object> keys = new ArrayList<>(matrix.presentKeys());
      keys.addAll(matrix.duplicateKeys());
      keys.addAll(matrix.absentKeys());
      int rows = sameAnswers(client, defaults, preparedDefaults, "k", keys);
      List<Object> duckKeys = new ArrayList<>();
      for (long id = 0; id < 3100; id += 37) { // ids below 3000 exist (twice below 1000); above do not
        duckKeys.add(id);
      }
      rows += sameAnswers(client, duck, preparedDuck, "id", duckKeys);
      assertThat(rows).isGreaterThan(100);
    } finally {
      worker.close();
    }
  }

  /** Looks every key up in both tables; each key's rows must be the same multiset. Returns rows seen. */
  private static int sameAnswers(NeedleClient client, Path source, Path prepared, String keyColumn, List<Object> keys) {
    Table before = client.table(source.toUri().toString(), keyColumn);
    Table after = client.table(prepared.toUri().toString(), keyColumn);
    Map<Object, List<Row>> want = before.lookupAll(keys, List.of());
    Map<Object, List<Row>> got = after.lookupAll(keys, List.of());
    int rows = 0;
    for (Object key : keys) {
      assertThat(sortedJson(got.get(key))).as("%s key %s", prepared, key).isEqualTo(sortedJson(want.get(key)));
      rows += want.get(key).size();
    }
    return rows;
  }

  private static List<String> sortedJson(List<Row> rows) {
    return rows.stream().map(Row::toJson).sorted().toList();
  }

  private static List<Path> files(Path table) throws IOException {
    try (Stream<Path> s = Files.list(table)) {
      return s.filter(p -> p.toString().endsWith(".parquet")).sorted().toList();
    }
  }

  /** The rows of both file sets, as parquet-java reads them, are the same multiset. */
  private static void assertSameRows(List<Path> source, List<Path> output) throws IOException {
    assertThat(rowsJson(output)).isEqualTo(rowsJson(source));
  }

  private static List<String> rowsJson(List<Path> files) throws IOException {
    List<String> rows = new ArrayList<>();
    for (Path f : files) {
      ParquetOracle.forEachRow(f, row -> rows.add(ParquetOracle.json(row, List.of())));
    }
    rows.sort(null);
    return rows;
  }

  /**
   * Keys ascending across the files in name order, each file's keys strictly above the previous
   * file's (a key never spans files), every chunk with a column and an offset index, small pages,
   * and a bloom filter on the key in every row group that holds every key of it.
   */
  static void assertLookupFriendly(List<Path> files, String keyColumn, WriterLayout layout)
      throws IOException {
    List<Path> sorted = new ArrayList<>(files);
    sorted.sort(null);
    assertThat(files).isEqualTo(sorted);
    Long previous = null;
    for (Path f : files) {
      List<Long> keys = new ArrayList<>();
      ParquetOracle.forEachRow(f, row -> keys.add((Long) ParquetOracle.keyValue(row, keyColumn)));
      assertThat(keys).isSortedAccordingTo(Long::compare);
      if (previous != null) {
        assertThat(keys.get(0)).as("first key of %s", f).isGreaterThan(previous);
      }
      previous = keys.get(keys.size() - 1);
      Set<Long> inFile = new HashSet<>(keys);
      try (ParquetFileReader reader = ParquetOracle.fileReader(f)) {
        Map<String, Integer> bloomRowGroups = new HashMap<>();
        for (BlockMetaData rg : reader.getFooter().getBlocks()) {
          for (ColumnChunkMetaData c : rg.getColumns()) {
            if (c.getPrimitiveType().columnOrder().getColumnOrderName() != ColumnOrder.ColumnOrderName.UNDEFINED) {
              // parquet-java writes no column index where the order is undefined (INT96)
              assertThat(c.getColumnIndexReference()).as("column index of %s in %s", c.getPath(), f).isNotNull();
            }
            assertThat(c.getOffsetIndexReference()).as("offset index of %s in %s", c.getPath(), f).isNotNull();
            assertThat(c.getCodec()).isEqualTo(layout.codec());
            OffsetIndex index = reader.readOffsetIndex(c);
            for (int p = 0; p < index.getPageCount(); p++) {
              // pages close once past the target size, checked every few rows
              assertThat(index.getCompressedPageSize(p)).isLessThan(4 * layout.pageSizeBytes() + 16 * 1024);
              long rows = (p + 1 < index.getPageCount() ? index.getFirstRowIndex(p + 1) : rg.getRowCount())
                  - index.getFirstRowIndex(p);
              assertThat(rows).isLessThanOrEqualTo(layout.pageRowLimit());
            }
            if (c.getPath().toDotString().equals(keyColumn)) {
              BloomFilter bloom = reader.readBloomFilter(c);
              assertThat(bloom).as("bloom filter on %s in %s", keyColumn, f).isNotNull();
              assertThat(bloom.getBitsetSize()).isLessThan(64 * 1024); // sized for the rows, not 1 MiB
              bloomRowGroups.merge(keyColumn, 1, Integer::sum);
            }
          }
        }
        assertThat(bloomRowGroups.get(keyColumn)).isEqualTo(reader.getFooter().getBlocks().size());
      }
      try (ParquetFileReader reader = ParquetOracle.fileReader(f)) {
        for (BlockMetaData rg : reader.getFooter().getBlocks()) {
          ColumnChunkMetaData key = rg.getColumns().stream()
              .filter(c -> c.getPath().toDotString().equals(keyColumn)).findFirst().orElseThrow();
          BloomFilter bloom = reader.readBloomFilter(key);
          long min = (Long) key.getStatistics().genericGetMin();
          long max = (Long) key.getStatistics().genericGetMax();
          for (long k : inFile) {
            if (k >= min && k <= max) {
              assertThat(bloom.findHash(bloom.hash(k))).as("bloom of %s holds %s", f, k).isTrue();
            }
          }
        }
      }
    }
  }
}
