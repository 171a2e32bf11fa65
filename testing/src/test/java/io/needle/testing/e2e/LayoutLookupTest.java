package io.needle.testing.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.needle.bench.gen.Layout;
import io.needle.bench.gen.LayoutRow;
import io.needle.bench.gen.LayoutTable;
import io.needle.client.Row;
import io.needle.client.Table;
import io.needle.testing.LayoutTables;
import io.needle.testing.OracleRow;
import io.needle.testing.OracleStruct;
import io.needle.testing.ParquetOracle;
import io.needle.testing.TableSpec;
import io.needle.testing.ValueJson;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.PageType;
import org.apache.parquet.format.Util;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Conformance on the tables people already have: every {@link Layout} (parquet-java defaults with
 * keys in random order and 1 MiB pages, GZIP and SNAPPY, v1 and v2 pages, with and without a page
 * index, dictionary-encoded keys, many small row groups, DuckDB's {@code COPY}) looked up through
 * a real worker and the real client, present, duplicated and absent keys, with projections;
 * every answer equal to parquet-java's reading of the same files. The tables are first checked
 * against the second oracle, the rows derived from the key, and against the layout they claim.
 */
class LayoutLookupTest {
  @TempDir
  static Path dir;

  static List<LayoutTables.Written> tables;
  static Map<Path, ParquetOracle> oracles = new HashMap<>();
  static Loopback loopback;

  @BeforeAll
  static void setUp() throws Exception {
    tables = LayoutTables.write(dir, LayoutTables.TEST_ROWS);
    for (LayoutTables.Written t : tables) {
      for (Path f : t.spec().files()) {
        oracles.put(f, ParquetOracle.open(f));
      }
    }
    loopback = Loopback.serve(dir);
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (loopback != null) {
      loopback.close();
    }
    LeakRecorder.assertNoLeaks();
  }

  @Test
  void everyLayoutHoldsTheKeyDerivedRows() {
    for (LayoutTables.Written t : tables) {
      LayoutTable gen = t.table();
      Map<Long, Integer> rowsOfKey = new HashMap<>();
      for (Path f : t.spec().files()) {
        for (OracleRow row : oracles.get(f).rows()) {
          long k = gen.keyNumberOf(row.get(LayoutTable.KEY_COLUMN));
          assertThat(k).as("%s: key %s", t.spec().name(), row.get(LayoutTable.KEY_COLUMN)).isNotNegative();
          int copy = (Integer) row.get("version");
          assertThat(ParquetOracle.json(row, List.of())).as("%s key %d copy %d", t.spec().name(), k, copy)
              .isEqualTo(json(gen.row(k, copy)));
          rowsOfKey.merge(k, 1, Integer::sum);
        }
      }
      assertThat(rowsOfKey).as(t.spec().name()).hasSize((int) gen.rows());
      rowsOfKey.forEach((k, n) -> assertThat(n).as("%s rows of key %d", t.spec().name(), k).isEqualTo(gen.rowsOf(k)));
    }
  }

  @Test
  void everyLayoutIsTheLayoutItClaims() throws IOException {
    for (LayoutTables.Written t : tables) {
      Layout layout = t.table().layout();
      TableSpec spec = t.spec();
      assertThat(spec.files()).as(spec.name()).hasSize(layout.files());
      assertThat(spec.hasOffsetIndex()).as("%s offset index", spec.name()).isEqualTo(layout.pageIndex());
      assertThat(spec.hasColumnIndex()).as("%s column index", spec.name()).isEqualTo(layout.pageIndex());
      if (layout.writer() == Layout.Writer.PARQUET_JAVA) {
        // parquet-java writes none unless asked; DuckDB writes one for dictionary-encoded chunks
        assertThat(spec.hasBloomFilter()).as("%s bloom filter", spec.name()).isFalse();
        assertThat(spec.rowGroups()).as("%s row groups", spec.name()).isGreaterThan(1);
      }
      Path first = spec.files().get(0);
      try (ParquetFileReader reader = ParquetOracle.fileReader(first)) {
        ColumnChunkMetaData key = reader.getRowGroups().get(0).getColumns().get(0);
        assertThat(key.getPath().toDotString()).isEqualTo(LayoutTable.KEY_COLUMN);
        assertThat(key.getCodec().name()).as("%s codec", spec.name()).isEqualTo(layout.codec().name());
        assertThat(firstDataPageType(first, key)).as("%s page version", spec.name())
            .isEqualTo(layout.v2Pages() ? PageType.DATA_PAGE_V2 : PageType.DATA_PAGE);
        if (layout.formatV2() && !layout.v2Pages()) {
          assertThat(key.getEncodings()).as("%s key encodings", spec.name()).contains(Encoding.DELTA_BINARY_PACKED);
        }
        if (layout.dictionaryKeys()) {
          assertThat(key.getEncodings()).as("%s key encodings", spec.name())
              .containsAnyOf(Encoding.PLAIN_DICTIONARY, Encoding.RLE_DICTIONARY);
        }
        if (layout == Layout.PARQUET_JAVA_MANY_ROW_GROUPS) {
          assertThat(reader.getRowGroups()).as(spec.name()).hasSizeGreaterThanOrEqualTo(4);
        }
        long largestChunk = 0;
        for (BlockMetaData block : reader.getRowGroups()) {
          for (ColumnChunkMetaData chunk : block.getColumns()) {
            largestChunk = Math.max(largestChunk, chunk.getTotalSize());
          }
        }
        if (layout.pageBytes() >= 1 << 20) {
          // 1 MiB pages: a chunk of body text is one page far larger than a row
          assertThat(largestChunk).as("%s largest chunk", spec.name()).isGreaterThan(64 * 1024);
        }
      }
      List<Object> keys = ParquetOracle.readAll(first).stream().map(r -> r.get(LayoutTable.KEY_COLUMN)).toList();
      List<Object> sorted = new ArrayList<>(keys);
      sorted.sort(null);
      assertThat(keys.equals(sorted)).as("%s keys sorted within the file", spec.name()).isEqualTo(layout.sorted());
    }
  }

  @Test
  void everyLayoutAnswersLikeParquetJavaForPresentDuplicateAndAbsentKeys() {
    Random random = new Random(11);
    int rows = 0;
    for (LayoutTables.Written t : tables) {
      TableSpec spec = t.spec();
      Table table = loopback.table(spec.dir(), spec.keyColumn());
      List<Object> keys = new ArrayList<>(spec.presentKeys());
      keys.addAll(spec.duplicateKeys());
      keys.addAll(spec.absentKeys());
      Collections.shuffle(keys, random);
      Map<Object, List<Row>> result = table.lookupAll(keys, List.of());
      for (Object key : keys) {
        List<String> want = expected(spec, key, List.of());
        assertThat(json(result.get(key))).as("%s (%s) key %s", spec.name(), spec.layout(), key).isEqualTo(want);
        rows += want.size();
      }
      for (Object key : spec.duplicateKeys()) {
        assertThat(json(table.lookup(key, List.of()))).as("%s duplicate key %s", spec.name(), key)
            .hasSize(2).isEqualTo(expected(spec, key, List.of()));
      }
      for (Object key : spec.absentKeys()) {
        assertThat(table.lookup(key, List.of())).as("%s absent key %s", spec.name(), key).isEmpty();
      }
    }
    assertThat(rows).isGreaterThan(tables.size() * 20);
  }

  @Test
  void projectionsReturnExactlyTheRequestedColumnsInTheRequestedOrder() {
    Random random = new Random(13);
    for (LayoutTables.Written t : tables) {
      TableSpec spec = t.spec();
      Table table = loopback.table(spec.dir(), spec.keyColumn());
      for (int round = 0; round < 3; round++) {
        List<String> fields = new ArrayList<>(LayoutRow.COLUMNS);
        Collections.shuffle(fields, random);
        fields = fields.subList(0, 1 + random.nextInt(4));
        List<Object> keys = new ArrayList<>(spec.presentKeys().subList(0, 6));
        keys.add(spec.duplicateKeys().get(round));
        keys.add(spec.absentKeys().get(round));
        for (Object key : keys) {
          assertThat(json(table.lookup(key, fields))).as("%s key %s fields %s", spec.name(), key, fields)
              .isEqualTo(expected(spec, key, fields));
        }
      }
    }
  }

  /** What the oracle says a lookup of {@code key} returns: files in path order, rows in file order. */
  private static List<String> expected(TableSpec t, Object key, List<String> fields) {
    List<Path> files = new ArrayList<>(t.files());
    Collections.sort(files);
    List<String> out = new ArrayList<>();
    for (Path f : files) {
      out.addAll(oracles.get(f).lookupJson(t.keyColumn(), key, fields));
    }
    return out;
  }

  private static List<String> json(List<Row> rows) {
    return rows.stream().map(Row::toJson).toList();
  }

  /** A derived row as docs/values.md's JSON, its struct as the oracle's struct type. */
  private static String json(LayoutRow row) {
    Map<String, Object> fields = new LinkedHashMap<>(row.asMap());
    @SuppressWarnings("unchecked")
    Map<String, Object> attrs = (Map<String, Object>) fields.get("attrs");
    fields.put("attrs", new OracleStruct(List.copyOf(attrs.keySet()), new ArrayList<>(attrs.values())));
    return ValueJson.row(fields);
  }

  /** The type of the first data page of {@code chunk}, read from the page headers. */
  private static PageType firstDataPageType(Path file, ColumnChunkMetaData chunk) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    long offset = chunk.getStartingPos();
    while (true) {
      InputStream in = new ByteArrayInputStream(bytes, (int) offset, bytes.length - (int) offset);
      int before = in.available();
      PageHeader header = Util.readPageHeader(in);
      if (header.getType() != PageType.DICTIONARY_PAGE) {
        return header.getType();
      }
      offset += before - in.available() + header.getCompressed_page_size();
    }
  }
}
