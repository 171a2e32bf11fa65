package io.needle.testing.e2e;

import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.client.Row;
import io.needle.client.Table;
import io.needle.testing.OracleRow;
import io.needle.testing.ParquetOracle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A `needle gen` table of many small files (issue 16's scale shape): the files read back by
 * parquet-java hold exactly the generator's rows, and batches of up to 1,000 keys spread over
 * every file (large enough to decode in parallel on the client, routed by the sorted file index)
 * return, per key, the generator's row, or nothing for absent keys.
 */
class ManyFilesBatchTest {
  private static final long ROWS = 6_000;
  private static final int FILES = 300;

  @TempDir
  static Path dir;

  static FeatureTable generator;
  static Loopback loopback;

  @BeforeAll
  static void generate() throws Exception {
    generator = new FeatureTable(GenOptions.defaults(ROWS, FILES));
    generator.write(dir);
    loopback = Loopback.serve(dir);
  }

  @AfterAll
  static void stop() throws Exception {
    if (loopback != null) {
      loopback.close();
    }
    LeakRecorder.assertNoLeaks();
  }

  @Test
  void parquetJavaReadsBackEveryFileAsTheGeneratorsRows() throws Exception {
    List<Path> files;
    try (Stream<Path> listed = Files.list(dir)) {
      files = listed.filter(p -> p.toString().endsWith(".parquet")).sorted().toList();
    }
    assertThat(files).hasSize(FILES);
    long tableRow = 0;
    for (int f = 0; f < FILES; f++) {
      List<OracleRow> rows = ParquetOracle.readAll(files.get(f));
      assertThat(rows).as("file %d", f).hasSize((int) generator.rowCount(f));
      for (OracleRow row : rows) {
        assertThat(ParquetOracle.keyValue(row, FeatureTable.KEY_COLUMN)).isEqualTo(generator.keyAt(tableRow++));
      }
    }
    assertThat(tableRow).isEqualTo(ROWS);
  }

  @Test
  void batchesAcrossEveryFileReturnEachKeysRowAndNothingForAbsentKeys() throws Exception {
    Table table = loopback.table(dir, FeatureTable.KEY_COLUMN);
    SplittableRandom random = new SplittableRandom(16);
    List<String> columns = List.of("user_id", "country", "score", "tags", "bio", "embedding");
    for (int size : new int[] {2, 100, 1_000}) {
      LinkedHashSet<Object> keys = new LinkedHashSet<>();
      while (keys.size() < size) {
        long key = generator.keyAt(random.nextLong(ROWS));
        keys.add(random.nextInt(5) == 0 ? key + 1 : key); // every fifth absent (keys are 3 apart)
      }
      List<Object> asked = new ArrayList<>(keys);
      assertBatch(asked, table.lookupAll(asked, columns), columns);
      assertBatch(asked, table.lookupAllAsync(asked, columns).get(), columns);
    }
  }

  @Test
  void theFirstAndLastKeyOfEveryFileAreFoundOneByOne() {
    Table table = loopback.table(dir, FeatureTable.KEY_COLUMN);
    for (int f = 0; f < FILES; f++) {
      long first = generator.keyAt(generator.firstRow(f));
      long last = generator.keyAt(generator.firstRow(f) + generator.rowCount(f) - 1);
      for (long key : new long[] {first, last}) {
        List<Row> rows = table.lookup(key, List.of("user_id", "segment"));
        assertThat(rows).as("file %d key %d", f, key).hasSize(1);
        assertThat(rows.get(0).get("user_id")).isEqualTo(key);
        assertThat(rows.get(0).get("segment")).isEqualTo(generator.expected(key).asMap().get("segment"));
      }
    }
    assertThat(table.lookup(generator.keyAt(ROWS - 1) + 3, List.of())).isEmpty(); // past the last file
  }

  private static void assertBatch(List<Object> asked, Map<Object, List<Row>> result, List<String> columns) {
    assertThat(new ArrayList<>(result.keySet())).containsExactlyElementsOf(asked);
    for (Object k : asked) {
      long key = (Long) k;
      List<Row> rows = result.get(k);
      if (!generator.contains(key)) {
        assertThat(rows).as("absent key %d", key).isEmpty();
        continue;
      }
      assertThat(rows).as("key %d", key).hasSize(1);
      Map<String, Object> expected = generator.expected(key).asMap();
      for (String c : columns) {
        assertThat(rows.get(0).get(c)).as("key %d column %s", key, c).isEqualTo(expected.get(c));
      }
    }
  }
}
