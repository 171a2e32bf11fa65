package io.needle.testing.e2e;

import io.needle.bench.gen.FeatureRow;
import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.client.NeedleException;
import io.needle.client.Row;
import io.needle.client.Table;
import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Lookups on `needle gen` tables, checked against the values the generator derives from each key
 * (an oracle that never reads the files), across codecs and page versions.
 */
class FeatureTableLookupTest {
  private static final long ROWS = 30_000;

  @TempDir
  static Path dir;

  static Loopback loopback;
  static List<Variant> variants = new ArrayList<>();

  record Variant(String name, FeatureTable generator, Path path) {}

  @BeforeAll
  static void generate() throws Exception {
    Object[][] matrix = {
        {CompressionCodecName.SNAPPY, WriterVersion.PARQUET_1_0},
        {CompressionCodecName.ZSTD, WriterVersion.PARQUET_2_0},
        {CompressionCodecName.UNCOMPRESSED, WriterVersion.PARQUET_2_0},
        {CompressionCodecName.GZIP, WriterVersion.PARQUET_1_0},
        {CompressionCodecName.LZ4_RAW, WriterVersion.PARQUET_1_0},
    };
    for (Object[] m : matrix) {
      GenOptions options = GenOptions.defaults(ROWS, 3)
          .withCodec((CompressionCodecName) m[0])
          .withWriterVersion((WriterVersion) m[1])
          .withRowGroupBytes(256 << 10); // several row groups per file
      String name = m[0] + "-" + m[1];
      FeatureTable generator = new FeatureTable(options);
      Path path = dir.resolve(name);
      generator.write(path);
      variants.add(new Variant(name, generator, path));
    }
    loopback = Loopback.serve(dir);
  }

  @AfterAll
  static void stop() throws Exception {
    if (loopback != null) {
      loopback.close();
    }
    LeakRecorder.assertNoLeaks();
  }

  private static void assertRowMatches(Row row, FeatureRow expected, List<String> columns) {
    Map<String, Object> values = expected.asMap();
    List<String> names = columns.isEmpty() ? FeatureRow.COLUMNS : columns;
    assertThat(row.size()).isEqualTo(names.size());
    for (int i = 0; i < names.size(); i++) {
      assertThat(row.name(i)).isEqualTo(names.get(i));
      assertThat(row.get(i)).as("key %d column %s", expected.userId(), names.get(i)).isEqualTo(values.get(names.get(i)));
    }
  }

  @Test
  void everyRandomPresentKeyReturnsItsRowAndAbsentKeysNothing() {
    SplittableRandom random = new SplittableRandom(7);
    for (Variant v : variants) {
      Table table = loopback.table(v.path(), FeatureTable.KEY_COLUMN);
      for (int i = 0; i < 150; i++) {
        long key = v.generator().keyAt(random.nextLong(ROWS));
        List<Row> rows = table.lookup(key, List.of());
        assertThat(rows).as("%s key %d", v.name(), key).hasSize(1);
        assertRowMatches(rows.get(0), v.generator().expected(key), List.of());
        long absent = key + 1;
        assertThat(v.generator().contains(absent)).isFalse();
        assertThat(table.lookup(absent, List.of())).as("%s absent key %d", v.name(), absent).isEmpty();
      }
    }
  }

  @Test
  void boundaryKeysOfEveryFileAndBeyondTheTable() {
    for (Variant v : variants) {
      Table table = loopback.table(v.path(), FeatureTable.KEY_COLUMN);
      List<Long> keys = new ArrayList<>();
      for (int f = 0; f < v.generator().options().files(); f++) {
        long first = v.generator().firstRow(f);
        keys.add(v.generator().keyAt(first));
        keys.add(v.generator().keyAt(first + v.generator().rowCount(f) - 1));
      }
      for (long key : keys) {
        assertThat(table.lookup(key, List.of("user_id"))).as("%s key %d", v.name(), key).hasSize(1);
      }
      assertThat(table.lookup(v.generator().keyAt(0) - 1, List.of())).isEmpty();
      assertThat(table.lookup(Long.MIN_VALUE, List.of())).isEmpty();
      assertThat(table.lookup(Long.MAX_VALUE, List.of())).isEmpty();
    }
  }

  @Test
  void batchesKeepInputOrderCollapseDuplicatesAndProjectColumnsInOrder() {
    Variant v = variants.get(0);
    Table table = loopback.table(v.path(), FeatureTable.KEY_COLUMN);
    SplittableRandom random = new SplittableRandom(11);
    List<Object> keys = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      keys.add(v.generator().keyAt(random.nextLong(ROWS)) + (i % 4 == 3 ? 1 : 0));
    }
    keys.add(keys.get(0)); // a duplicate
    List<String> columns = List.of("embedding", "user_id", "bio", "balance");
    Map<Object, List<Row>> result = table.lookupAll(keys, columns);
    assertThat(new ArrayList<>(result.keySet())).containsExactlyElementsOf(keys.stream().distinct().toList());
    for (Object k : result.keySet()) {
      long key = (Long) k;
      List<Row> rows = result.get(k);
      if (v.generator().contains(key)) {
        assertThat(rows).hasSize(1);
        assertRowMatches(rows.get(0), v.generator().expected(key), columns);
      } else {
        assertThat(rows).isEmpty();
      }
    }
  }

  @Test
  void asyncLookupsAgreeWithBlockingOnes() throws Exception {
    Variant v = variants.get(1);
    Table table = loopback.table(v.path(), FeatureTable.KEY_COLUMN);
    long key = v.generator().keyAt(12_345);
    assertThat(table.lookupAsync(key, List.of()).get()).isEqualTo(table.lookup(key, List.of()));
  }

  @Test
  void keysAcceptIntegersAndTextAndRejectWrongTypes() {
    Variant v = variants.get(0);
    Table table = loopback.table(v.path(), FeatureTable.KEY_COLUMN);
    long key = v.generator().keyAt(100);
    assertThat(table.lookup((int) key, List.of("user_id"))).hasSize(1);
    assertThat(table.lookup(table.parseKey(Long.toString(key)), List.of("user_id"))).hasSize(1);
    NeedleException wrongType = catchThrowableOfType(NeedleException.class, () -> table.lookup("abc", List.of()));
    assertThat(wrongType.code()).isEqualTo(NeedleException.Code.INVALID_ARGUMENT);
    NeedleException badText = catchThrowableOfType(NeedleException.class, () -> table.parseKey("12x"));
    assertThat(badText.code()).isEqualTo(NeedleException.Code.INVALID_ARGUMENT);
  }

  @Test
  void unknownColumnAndUnknownTableAreNotFound() {
    Variant v = variants.get(0);
    Table table = loopback.table(v.path(), FeatureTable.KEY_COLUMN);
    long key = v.generator().keyAt(5);
    assertThat(catchThrowableOfType(NeedleException.class, () -> table.lookup(key, List.of("no_such_column"))).code())
        .isEqualTo(NeedleException.Code.NOT_FOUND);
    Table missing = loopback.table(dir.resolve("no-such-table"), FeatureTable.KEY_COLUMN);
    assertThat(catchThrowableOfType(NeedleException.class, () -> missing.lookup(key, List.of())).code())
        .isEqualTo(NeedleException.Code.NOT_FOUND);
    Table wrongKey = loopback.table(v.path(), "no_such_key");
    assertThat(catchThrowableOfType(NeedleException.class, () -> wrongKey.lookup(key, List.of())).code())
        .isIn(NeedleException.Code.NOT_FOUND, NeedleException.Code.INVALID_ARGUMENT);
  }
}
