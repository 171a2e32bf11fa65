package io.needle.bench.gen;

import io.needle.bench.baseline.ParquetReadOptionsFactory;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.column.values.bloomfilter.BloomFilter;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.internal.column.columnindex.BoundaryOrder;
import org.apache.parquet.internal.column.columnindex.ColumnIndex;
import org.apache.parquet.internal.column.columnindex.OffsetIndex;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeatureTableTest {

  @TempDir Path dir;

  @Test
  void everyCellEqualsTheKeyDerivedValueAndKeysAscendAcrossFiles() throws IOException {
    GenOptions options = GenOptions.defaults(5_000, 3);
    FeatureTable table = new FeatureTable(options);
    List<Path> files = table.write(dir);

    assertThat(files).extracting(p -> p.getFileName().toString())
        .containsExactly("part-00000.parquet", "part-00001.parquet", "part-00002.parquet");
    long row = 0;
    long previousKey = Long.MIN_VALUE;
    for (int f = 0; f < files.size(); f++) {
      List<FeatureRow> read = readAll(files.get(f));
      assertThat(read).hasSize((int) table.rowCount(f));
      for (FeatureRow actual : read) {
        assertThat(actual.userId()).isEqualTo(table.keyAt(row)).isGreaterThan(previousKey);
        assertThat(actual).isEqualTo(table.expected(actual.userId()));
        assertThat(table.fileOf(actual.userId())).isEqualTo(f);
        previousKey = actual.userId();
        row++;
      }
    }
    assertThat(row).isEqualTo(options.rows());
  }

  @Test
  void theGeneratedValuesCoverNullsEmptyListsAndEscapes() {
    FeatureTable table = new FeatureTable(GenOptions.defaults(2_000, 1));
    List<FeatureRow> rows = new ArrayList<>();
    for (long i = 0; i < 2_000; i++) {
      rows.add(table.expected(table.keyAt(i)));
    }
    assertThat(rows).anyMatch(r -> r.age() == null).anyMatch(r -> r.age() != null);
    assertThat(rows).anyMatch(r -> r.segment() == null).anyMatch(r -> r.bio() == null);
    assertThat(rows).anyMatch(r -> r.tags() == null).anyMatch(r -> r.tags() != null
        && r.tags().isEmpty());
    assertThat(rows).anyMatch(r -> r.bio() != null && r.bio().contains("\""))
        .anyMatch(r -> r.bio() != null && r.bio().contains("\u0001"))
        .anyMatch(r -> r.bio() != null && r.bio().contains("🙂"));
    assertThat(rows).allMatch(r -> r.embedding().size() == 16);
    assertThat(rows).anyMatch(FeatureRow::active).anyMatch(r -> !r.active());
  }

  @Test
  void keysAreSparseAndTheTableKnowsWhichExist() {
    FeatureTable table = new FeatureTable(GenOptions.defaults(100, 4));
    assertThat(table.keyAt(0)).isEqualTo(7);
    assertThat(table.keyAt(99)).isEqualTo(304);
    assertThat(table.contains(7)).isTrue();
    assertThat(table.contains(8)).isFalse();
    assertThat(table.contains(9)).isFalse();
    assertThat(table.contains(10)).isTrue();
    assertThat(table.contains(4)).isFalse();
    assertThat(table.contains(-2)).isFalse();
    assertThat(table.contains(307)).isFalse();
    assertThat(table.fileOf(8)).isEqualTo(-1);
    assertThat(table.fileOf(7)).isEqualTo(0);
    assertThat(table.fileOf(304)).isEqualTo(3);
    assertThat(table.firstRow(4)).isEqualTo(100);
  }

  @Test
  void valuesDependOnTheSeedAndAreStableForIt() {
    FeatureRow a = FeatureRow.derive(1234, 42, 16);
    assertThat(FeatureRow.derive(1234, 42, 16)).isEqualTo(a);
    assertThat(FeatureRow.derive(1234, 43, 16)).isNotEqualTo(a);
    assertThat(FeatureRow.derive(1234, 42, 4).embedding()).isEqualTo(a.embedding().subList(0, 4));
    assertThat(a.balance().scale()).isEqualTo(2);
    assertThat(a.asMap().keySet()).containsExactlyElementsOf(FeatureRow.COLUMNS);
  }

  @Test
  void keyColumnHasIndexesAndABloomFilterAndPagesAreSmall() throws IOException {
    FeatureTable table = new FeatureTable(GenOptions.defaults(20_000, 1));
    Path file = table.write(dir).get(0);
    try (ParquetFileReader reader =
        ParquetReadOptionsFactory.open(file)) {
      assertThat(reader.getRowGroups()).isNotEmpty();
      for (BlockMetaData block : reader.getRowGroups()) {
        for (ColumnChunkMetaData chunk : block.getColumns()) {
          assertThat(chunk.getCodec()).isEqualTo(CompressionCodecName.SNAPPY);
          OffsetIndex offsets = reader.readOffsetIndex(chunk);
          assertThat(offsets).as("offset index of %s", chunk.getPath()).isNotNull();
          assertThat(offsets.getPageCount()).isGreaterThan(1);
          for (int p = 0; p < offsets.getPageCount(); p++) {
            assertThat(offsets.getCompressedPageSize(p))
                .as("page %d of %s", p, chunk.getPath()).isLessThanOrEqualTo(64 * 1024);
          }
          assertThat(reader.readColumnIndex(chunk)).as("column index of %s", chunk.getPath())
              .isNotNull();
        }
        ColumnChunkMetaData key = block.getColumns().get(0);
        assertThat(key.getPath().toDotString()).isEqualTo("user_id");
        ColumnIndex index = reader.readColumnIndex(key);
        assertThat(index.getBoundaryOrder()).isEqualTo(BoundaryOrder.ASCENDING);
        OffsetIndex offsets = reader.readOffsetIndex(key);
        // The page row limit bounds the key pages: 8 bytes of int64 per row, PLAIN, a little compressed.
        int rowsPerPage = GenOptions.DEFAULT_PAGE_ROW_LIMIT;
        assertThat(offsets.getPageCount()).isEqualTo((int) Math.ceil(block.getRowCount() / (double) rowsPerPage));
        for (int p = 0; p < offsets.getPageCount(); p++) {
          assertThat(offsets.getCompressedPageSize(p)).isBetween(rowsPerPage, 16 * 1024);
        }
        BloomFilter bloom = reader.readBloomFilter(key);
        assertThat(bloom).as("bloom filter on user_id").isNotNull();
        assertThat(bloom.getBitsetSize()).isLessThan(64 * 1024);
        for (long i = 0; i < 20_000; i += 97) {
          assertThat(bloom.findHash(bloom.hash(table.keyAt(i)))).isTrue();
        }
        int absentHits = 0;
        for (long i = 0; i < 1_000; i++) {
          long absent = table.keyAt(i) + 1;
          absentHits += bloom.findHash(bloom.hash(absent)) ? 1 : 0;
        }
        assertThat(absentHits).as("false positives of 1000 absent keys").isLessThan(50);
      }
    }
  }

  @Test
  void writesV2PagesWithOtherCodecsAndEmbeddingDims() throws IOException {
    GenOptions options = GenOptions.defaults(1_500, 2)
        .withCodec(CompressionCodecName.ZSTD)
        .withWriterVersion(WriterVersion.PARQUET_2_0)
        .withEmbeddingDim(3)
        .withSeed(7);
    FeatureTable table = new FeatureTable(options);
    List<Path> files = table.write(dir);
    long row = 0;
    for (Path file : files) {
      for (FeatureRow actual : readAll(file)) {
        assertThat(actual).isEqualTo(table.expected(table.keyAt(row++)));
        assertThat(actual.embedding()).hasSize(3);
      }
    }
    assertThat(row).isEqualTo(1_500);
  }

  @Test
  void rejectsInvalidOptionsWithTheBadValue() {
    assertThatThrownBy(() -> GenOptions.defaults(0, 1)).hasMessageContaining(": 0");
    assertThatThrownBy(() -> GenOptions.defaults(10, 11)).hasMessageContaining(": 11");
    assertThatThrownBy(() -> GenOptions.defaults(10, 1).withPages(8192, 0))
        .hasMessageContaining("pageRowLimit").hasMessageContaining(": 0");
    assertThatThrownBy(() -> GenOptions.defaults(10, 1).withEmbeddingDim(-1))
        .hasMessageContaining(": -1");
  }

  /** Reads rows back with parquet-java's own example reader. */
  private static List<FeatureRow> readAll(Path file) throws IOException {
    List<FeatureRow> rows = new ArrayList<>();
    try (ParquetFileReader reader = ParquetReadOptionsFactory.open(file)) {
      MessageType schema = reader.getFooter().getFileMetaData().getSchema();
      MessageColumnIO io = new ColumnIOFactory().getColumnIO(schema);
      for (PageReadStore rowGroup = reader.readNextRowGroup(); rowGroup != null;
          rowGroup = reader.readNextRowGroup()) {
        RecordReader<Group> records =
            io.getRecordReader(rowGroup, new GroupRecordConverter(schema));
        for (long r = 0; r < rowGroup.getRowCount(); r++) {
          rows.add(toRow(records.read()));
        }
      }
    }
    return rows;
  }
  private static FeatureRow toRow(Group g) {
    List<String> tags = null;
    if (g.getFieldRepetitionCount("tags") > 0) {
      Group t = g.getGroup("tags", 0);
      tags = new ArrayList<>();
      for (int i = 0; i < t.getFieldRepetitionCount("list"); i++) {
        tags.add(t.getGroup("list", i).getString("element", 0));
      }
    }
    Group e = g.getGroup("embedding", 0);
    List<Float> embedding = new ArrayList<>();
    for (int i = 0; i < e.getFieldRepetitionCount("list"); i++) {
      embedding.add(e.getGroup("list", i).getFloat("element", 0));
    }
    long micros = g.getLong("last_seen", 0);
    return new FeatureRow(
        g.getLong("user_id", 0),
        g.getString("country", 0),
        g.getFieldRepetitionCount("age") == 0 ? null : g.getInteger("age", 0),
        g.getDouble("score", 0),
        g.getFloat("ratio", 0),
        g.getBoolean("active", 0),
        LocalDate.ofEpochDay(g.getInteger("signup_date", 0)),
        Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L),
            Math.floorMod(micros, 1_000_000L) * 1000),
        BigDecimal.valueOf(g.getLong("balance", 0), 2),
        g.getFieldRepetitionCount("segment") == 0 ? null : g.getString("segment", 0),
        g.getFieldRepetitionCount("bio") == 0 ? null : g.getString("bio", 0),
        tags == null ? null : List.copyOf(tags),
        List.copyOf(embedding));
  }
}
