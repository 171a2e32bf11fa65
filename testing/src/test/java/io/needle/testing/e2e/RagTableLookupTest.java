package io.needle.testing.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.needle.bench.gen.GenOptions;
import io.needle.bench.gen.RagRow;
import io.needle.bench.gen.RagTable;
import io.needle.client.Row;
import io.needle.client.Table;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lookups by string key on {@code needle gen --shape rag} tables through a real worker, checked
 * against the rows the generator derives from each key (never read from the files): the exact
 * 1–4 KiB texts, multi-byte characters included, and every float of the embeddings.
 */
class RagTableLookupTest {
  private static final long ROWS = 2_000;

  @TempDir
  static Path dir;

  static Loopback loopback;
  static List<Variant> variants = new ArrayList<>();

  record Variant(String name, RagTable generator, Path path) {}

  @BeforeAll
  static void generate() throws Exception {
    Object[][] matrix = {
        {CompressionCodecName.SNAPPY, WriterVersion.PARQUET_1_0, 1L << 30},
        {CompressionCodecName.ZSTD, WriterVersion.PARQUET_2_0, 256L << 10}, // many row groups per file
        {CompressionCodecName.UNCOMPRESSED, WriterVersion.PARQUET_2_0, 1L << 30},
    };
    for (Object[] m : matrix) {
      GenOptions options = RagTable.defaultOptions(ROWS, 3)
          .withCodec((CompressionCodecName) m[0])
          .withWriterVersion((WriterVersion) m[1])
          .withRowGroupBytes((Long) m[2])
          .withEmbeddingDim(64);
      String name = m[0] + "-" + m[1];
      RagTable generator = new RagTable(options);
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

  private static void assertRowMatches(Row row, RagRow expected, List<String> columns) {
    Map<String, Object> values = expected.asMap();
    List<String> names = columns.isEmpty() ? RagRow.COLUMNS : columns;
    assertThat(row.names()).containsExactlyElementsOf(names);
    for (String name : names) {
      assertThat(row.get(name)).as("%s column %s", expected.docId(), name).isEqualTo(values.get(name));
    }
  }

  @Test
  void everyRandomPresentKeyReturnsItsExactRowAndTheKeyNextToItNothing() {
    SplittableRandom random = new SplittableRandom(3);
    for (Variant v : variants) {
      Table table = loopback.table(v.path(), RagTable.KEY_COLUMN);
      for (int i = 0; i < 120; i++) {
        long rowIndex = random.nextLong(ROWS);
        String key = v.generator().keyAt(rowIndex);
        List<Row> rows = table.lookup(key, List.of());
        assertThat(rows).as("%s key %s", v.name(), key).hasSize(1);
        RagRow expected = v.generator().expected(key);
        assertRowMatches(rows.get(0), expected, List.of());
        assertThat(rows.get(0).getString("text")).isEqualTo(expected.text()); // the typed getter too
        String absent = v.generator().absentKeyNear(rowIndex);
        assertThat(table.lookup(absent, List.of("doc_id"))).as("%s absent key %s", v.name(), absent).isEmpty();
      }
    }
  }

  @Test
  void theRagColumnsOfTheFirstAndLastKeyOfEveryFile() {
    List<String> columns = List.of("doc_id", "title", "text", "embedding");
    for (Variant v : variants) {
      Table table = loopback.table(v.path(), RagTable.KEY_COLUMN);
      for (int f = 0; f < v.generator().options().files(); f++) {
        long first = v.generator().firstRow(f);
        for (long rowIndex : new long[] {first, first + v.generator().rowCount(f) - 1}) {
          String key = v.generator().keyAt(rowIndex);
          List<Row> rows = table.lookup(key, columns);
          assertThat(rows).as("%s key %s", v.name(), key).hasSize(1);
          assertRowMatches(rows.get(0), v.generator().expectedAt(rowIndex), columns);
        }
      }
      assertThat(table.lookup("doc-", List.of())).isEmpty();
      assertThat(table.lookup(RagRow.docId(ROWS), List.of())).isEmpty();
      assertThat(table.lookup("zzz", List.of())).isEmpty();
    }
  }

  @Test
  void aBatchOfPresentAndAbsentKeysKeepsInputOrder() {
    Variant v = variants.get(1);
    Table table = loopback.table(v.path(), RagTable.KEY_COLUMN);
    SplittableRandom random = new SplittableRandom(5);
    List<Object> keys = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      long rowIndex = random.nextLong(ROWS);
      keys.add(i % 5 == 4 ? v.generator().absentKeyNear(rowIndex) : v.generator().keyAt(rowIndex));
    }
    List<String> columns = List.of("embedding", "text", "doc_id");
    Map<Object, List<Row>> result = table.lookupAll(keys, columns);
    assertThat(new ArrayList<>(result.keySet())).containsExactlyElementsOf(keys.stream().distinct().toList());
    for (Map.Entry<Object, List<Row>> e : result.entrySet()) {
      RagRow expected = v.generator().expected((String) e.getKey());
      if (expected == null) {
        assertThat(e.getValue()).as("absent key %s", e.getKey()).isEmpty();
      } else {
        assertThat(e.getValue()).hasSize(1);
        assertRowMatches(e.getValue().get(0), expected, columns);
      }
    }
  }

  @Test
  void keysParsedFromTextFindTheirRow() {
    Variant v = variants.get(0);
    Table table = loopback.table(v.path(), RagTable.KEY_COLUMN);
    String key = v.generator().keyAt(1_234);
    List<Row> rows = table.lookup(table.parseKey(key), List.of("doc_id", "source"));
    assertThat(rows).hasSize(1);
    assertRowMatches(rows.get(0), v.generator().expected(key), List.of("doc_id", "source"));
  }
}
