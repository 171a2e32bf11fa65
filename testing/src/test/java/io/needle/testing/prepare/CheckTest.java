package io.needle.testing.prepare;

import static org.assertj.core.api.Assertions.assertThat;

import io.needle.bench.check.CheckReport;
import io.needle.bench.check.FileFacts;
import io.needle.bench.check.TableCheck;
import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.testing.MatrixTables;
import io.needle.testing.ParquetOracle;
import io.needle.testing.TableSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.TreeSet;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.page.DataPage;
import org.apache.parquet.column.page.DataPageV1;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.column.page.PageReader;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code needle check} on a parquet-java-defaults table (shuffled keys, 1 MiB pages, no bloom
 * filter) and on a {@code needle gen} table: every fact of the report against what parquet-java
 * reads from the footers and the rows, and advice that differs as the layouts do.
 */
class CheckTest {
  @TempDir
  static Path dir;

  static Path defaults;
  static Path gen;
  static TableSpec matrix;

  @BeforeAll
  static void writeTables() throws Exception {
    matrix = MatrixTables.write(dir.resolve("matrix")).stream().filter(t -> t.name().equals("key_int64"))
        .findFirst().orElseThrow();
    defaults = dir.resolve("defaults");
    SourceTables.parquetJavaDefaults(matrix.files(), defaults, 3, 11);
    gen = dir.resolve("gen");
    new FeatureTable(GenOptions.defaults(20_000, 2).withRowGroupBytes(256 * 1024)).write(gen);
  }

  @Test
  void reportsTheFootersFactsOfBothTables() throws Exception {
    for (Object[] c : new Object[][] {{defaults, "k"}, {gen, FeatureTable.KEY_COLUMN}}) {
      Path table = (Path) c[0];
      String key = (String) c[1];
      CheckReport report = TableCheck.run(table, key, List.of(), 50, 1);
      assertThat(report.files()).hasSize(files(table).size());
      for (FileFacts f : report.files()) {
        Path file = table.resolve(f.path());
        List<Long> keys = new ArrayList<>();
        ParquetOracle.forEachRow(file, row -> keys.add((Long) ParquetOracle.keyValue(row, key)));
        assertThat(f.rows()).isEqualTo(keys.size());
        assertThat(f.keySorted()).as("%s sorted", file).isEqualTo(isSorted(keys));
        assertThat(f.keyMin()).isEqualTo(String.valueOf(keys.stream().min(Long::compare).orElseThrow()));
        assertThat(f.keyMax()).isEqualTo(String.valueOf(keys.stream().max(Long::compare).orElseThrow()));
        try (ParquetFileReader reader = ParquetOracle.fileReader(file)) {
          List<BlockMetaData> blocks = reader.getFooter().getBlocks();
          assertThat(f.rowGroups()).isEqualTo(blocks.size());
          TreeSet<String> codecs = new TreeSet<>();
          int bloom = 0;
          int columnIndex = 0;
          int offsetIndex = 0;
          int chunks = 0;
          long keyPages = 0;
          for (BlockMetaData rg : blocks) {
            for (ColumnChunkMetaData col : rg.getColumns()) {
              codecs.add(col.getCodec().name());
              chunks++;
              offsetIndex += col.getOffsetIndexReference() != null ? 1 : 0;
              if (col.getPath().toDotString().equals(key)) {
                bloom += reader.readBloomFilter(col) != null ? 1 : 0;
                columnIndex += col.getColumnIndexReference() != null ? 1 : 0;
                keyPages += reader.readOffsetIndex(col).getPageCount();
              }
            }
          }
          assertThat(f.codecs()).containsExactlyElementsOf(codecs);
          assertThat(f.bloomRowGroups()).isEqualTo(bloom);
          assertThat(f.keyColumnIndexChunks()).isEqualTo(columnIndex);
          assertThat(f.offsetIndexChunks()).isEqualTo(offsetIndex);
          assertThat(f.chunks()).isEqualTo(chunks);
          assertThat(f.keyPages().pages()).isEqualTo(keyPages);
        }
      }
    }
  }

  @Test
  void adviceAndLookupCostDifferAsTheLayoutsDo() throws Exception {
    CheckReport before = TableCheck.run(defaults, "k", List.of(), 50, 1);
    CheckReport after = TableCheck.run(gen, FeatureTable.KEY_COLUMN, List.of(), 50, 1);

    assertThat(before.files()).allMatch(f -> !f.keySorted() && f.overlapsOtherFile() && f.bloomRowGroups() == 0);
    assertThat(before.hasAdvice("sort")).isTrue();
    assertThat(before.hasAdvice("bloom")).isTrue();
    assertThat(before.advice()).anyMatch(a -> a.code().equals("bloom") && a.text().contains("NDV"));
    assertThat(after.files()).allMatch(f -> f.keySorted() && !f.overlapsOtherFile() && f.pageIndex()
        && f.bloomRowGroups() == f.rowGroups());
    assertThat(after.hasAdvice("sort")).isFalse();
    assertThat(after.hasAdvice("bloom")).isFalse();
    assertThat(after.hasAdvice("page-index")).isFalse();
    assertThat(after.hasAdvice("page-size")).isFalse();
    // unsorted: every file and every key page is a candidate; sorted: one file, about one key page
    assertThat(before.cost().files()).isGreaterThan(2.5);
    assertThat(before.cost().keyPages()).isGreaterThan(2.5);
    assertThat(after.cost().files()).isLessThanOrEqualTo(1.1);
    assertThat(after.cost().keyPages()).isLessThanOrEqualTo(2.0);
    assertThat(after.cost().pages()).isLessThan(before.cost().pages());
  }

  @Test
  void jsonHoldsTheSameFactsAsTheReport() throws Exception {
    CheckReport report = TableCheck.run(defaults, "k", List.of("v_int64", "v_map"), 20, 1);
    JsonNode json = JsonMapper.builder().build().readTree(report.toJson());
    assertThat(json.get("keyColumn").asString()).isEqualTo("k");
    assertThat(json.get("rows").asLong()).isEqualTo(report.rows());
    assertThat(json.get("files")).hasSize(3);
    for (int i = 0; i < 3; i++) {
      FileFacts f = report.files().get(i);
      JsonNode file = json.get("files").get(i);
      assertThat(file.get("path").asString()).isEqualTo(f.path());
      assertThat(file.get("keySorted").asBoolean()).isEqualTo(f.keySorted());
      assertThat(file.get("bloomRowGroups").asInt()).isEqualTo(f.bloomRowGroups());
    }
    assertThat(json.get("lookup").get("sampledKeys").asInt()).isEqualTo(20);
    List<String> codes = new ArrayList<>();
    for (int i = 0; i < json.get("advice").size(); i++) {
      codes.add(json.get("advice").get(i).get("code").asString());
    }
    assertThat(codes).contains("sort", "bloom");
    assertThat(report.toText()).contains("NOT sorted", "advice:", "sort by k");
  }

  @Test
  void dictionaryFallbackIsReportedWhereParquetJavaReadsDictionaryThenPlainPages() throws Exception {
    Path table = dir.resolve("fallback");
    java.nio.file.Files.createDirectories(table);
    Path file = table.resolve("f.parquet");
    MessageType schema = MessageTypeParser.parseMessageType(
        "message m { required int64 k; required binary s (STRING); required binary few (STRING); }");
    SimpleGroupFactory groups = new SimpleGroupFactory(schema);
    try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file))
        .withConf(new PlainParquetConfiguration()).withType(schema)
        .withDictionaryPageSize(4096).withPageSize(1024).build()) {
      for (long i = 0; i < 3000; i++) {
        // s repeats at first (the dictionary pays off), then every value is new: the dictionary
        // outgrows its 4 KiB and the writer falls back to plain pages mid-chunk
        writer.write(groups.newGroup().append("k", i)
            .append("s", i < 500 ? "v" + (i % 10) : "unique-" + i + "-" + "x".repeat(20))
            .append("few", "f" + (i % 3)));
      }
    }
    // the oracle: the encodings of the pages parquet-java reads back
    Set<String> mixed = new TreeSet<>();
    try (ParquetFileReader reader = ParquetOracle.fileReader(file)) {
      PageReadStore pages = reader.readNextRowGroup();
      for (ColumnDescriptor c : schema.getColumns()) {
        PageReader pageReader = pages.getPageReader(c);
        boolean dictionary = pageReader.readDictionaryPage() != null;
        Set<Encoding> encodings = new HashSet<>();
        for (DataPage page = pageReader.readPage(); page != null; page = pageReader.readPage()) {
          encodings.add(((DataPageV1) page).getValueEncoding());
        }
        if (dictionary && encodings.stream().anyMatch(Encoding::usesDictionary)
            && encodings.stream().anyMatch(e -> !e.usesDictionary())) {
          mixed.add(c.getPath()[0]);
        }
      }
    }
    assertThat(mixed).containsExactly("s");

    CheckReport report = TableCheck.run(table, "k", List.of(), 20, 1);
    assertThat(report.files().get(0).dictionaryFallback()).containsExactlyElementsOf(mixed);
    assertThat(report.advice()).anyMatch(a -> a.code().equals("dictionary") && a.text().contains("s"));
  }

  private static boolean isSorted(List<Long> keys) {
    for (int i = 1; i < keys.size(); i++) {
      if (keys.get(i - 1) > keys.get(i)) {
        return false;
      }
    }
    return true;
  }

  private static List<Path> files(Path table) throws IOException {
    try (var s = java.nio.file.Files.list(table)) {
      return s.filter(p -> p.toString().endsWith(".parquet")).toList();
    }
  }
}
