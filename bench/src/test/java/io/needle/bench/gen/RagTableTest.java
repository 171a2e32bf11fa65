package io.needle.bench.gen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.needle.bench.baseline.ParquetReadOptionsFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.column.values.bloomfilter.BloomFilter;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.internal.column.columnindex.BoundaryOrder;
import org.apache.parquet.internal.column.columnindex.OffsetIndex;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RagTableTest {

  @TempDir Path dir;

  @Test
  void parquetJavaReadsBackExactlyTheDerivedRowsInKeyOrderAcrossFiles() throws IOException {
    GenOptions options = RagTable.defaultOptions(1_200, 3).withEmbeddingDim(24);
    RagTable table = new RagTable(options);
    List<Path> files = table.write(dir);

    assertThat(files).extracting(p -> p.getFileName().toString())
        .containsExactly("part-00000.parquet", "part-00001.parquet", "part-00002.parquet");
    long row = 0;
    String previousKey = "";
    for (int f = 0; f < files.size(); f++) {
      List<RagRow> read = readAll(files.get(f));
      assertThat(read).hasSize((int) table.rowCount(f));
      for (RagRow actual : read) {
        assertThat(actual.docId()).isEqualTo(table.keyAt(row)).isGreaterThan(previousKey);
        assertThat(actual).isEqualTo(table.expectedAt(row)).isEqualTo(table.expected(actual.docId()));
        assertThat(actual.embedding()).hasSize(24);
        assertThat(table.fileOf(actual.docId())).isEqualTo(f);
        previousKey = actual.docId();
        row++;
      }
    }
    assertThat(row).isEqualTo(options.rows());
  }

  @Test
  void textsAreOneToFourKibOfUtf8WithMultiByteCharactersAndParagraphs() {
    RagTable table = new RagTable(RagTable.defaultOptions(3_000, 1));
    int shortest = Integer.MAX_VALUE;
    int longest = 0;
    List<RagRow> rows = new ArrayList<>();
    for (long i = 0; i < 3_000; i++) {
      RagRow r = table.expectedAt(i);
      rows.add(r);
      int bytes = r.text().getBytes(StandardCharsets.UTF_8).length;
      assertThat(bytes).as("text bytes of %s", r.docId())
          .isBetween(RagRow.MIN_TEXT_BYTES, RagRow.MAX_TEXT_BYTES);
      shortest = Math.min(shortest, bytes);
      longest = Math.max(longest, bytes);
      assertThat(r.text()).startsWith("Document " + i + ".");
      assertThat(r.embedding()).hasSize(RagTable.DEFAULT_EMBEDDING_DIM)
          .allMatch(f -> f >= -1f && f < 1f);
    }
    // Lengths are spread over the whole range, not bunched at one end.
    assertThat(shortest).isLessThan(1_200);
    assertThat(longest).isGreaterThan(3_800);
    assertThat(rows).anyMatch(r -> r.text().contains("日本語")).anyMatch(r -> r.text().contains("🙂"))
        .anyMatch(r -> r.text().contains("\n\n")).anyMatch(r -> r.title().contains("é") || r.title().contains("ü"));
    assertThat(rows).anyMatch(r -> r.source() == null).anyMatch(r -> "wiki".equals(r.source()));
    assertThat(rows).extracting(RagRow::text).doesNotHaveDuplicates();
  }

  @Test
  void keysAreZeroPaddedStringsAndAbsentKeysSortBetweenNeighbours() {
    RagTable table = new RagTable(RagTable.defaultOptions(100, 4));
    assertThat(table.keyAt(0)).isEqualTo("doc-0000000000");
    assertThat(table.keyAt(99)).isEqualTo("doc-0000000099");
    assertThat(table.contains("doc-0000000099")).isTrue();
    assertThat(table.contains("doc-0000000100")).isFalse();
    assertThat(table.contains("doc-000000009")).isFalse();
    assertThat(table.contains("doc-00000000x9")).isFalse();
    assertThat(table.contains("DOC-0000000009")).isFalse();
    assertThat(table.expected("doc-0000000100")).isNull();
    for (long i = 0; i < 99; i++) {
      String absent = table.absentKeyNear(i);
      assertThat(table.contains(absent)).isFalse();
      // Parquet orders strings by unsigned bytes.
      assertThat(Arrays.compareUnsigned(utf8(absent), utf8(table.keyAt(i)))).isPositive();
      assertThat(Arrays.compareUnsigned(utf8(absent), utf8(table.keyAt(i + 1)))).isNegative();
    }
    assertThat(table.fileOf("doc-0000000000")).isZero();
    assertThat(table.fileOf("doc-0000000099")).isEqualTo(3);
    assertThat(table.fileOf(table.absentKeyNear(5))).isEqualTo(-1);
    assertThat(RagRow.docNumber(RagRow.docId(9_999_999_999L))).isEqualTo(9_999_999_999L);
  }

  @Test
  void valuesDependOnTheSeedAndAreStableForIt() {
    RagRow a = RagRow.derive(1234, 42, 16);
    assertThat(RagRow.derive(1234, 42, 16)).isEqualTo(a);
    RagRow other = RagRow.derive(1234, 43, 16);
    assertThat(other.text()).isNotEqualTo(a.text());
    assertThat(other.embedding()).isNotEqualTo(a.embedding());
    assertThat(other.docId()).isEqualTo(a.docId());
    assertThat(RagRow.derive(1234, 42, 4).embedding()).isEqualTo(a.embedding().subList(0, 4));
    assertThat(a.asMap().keySet()).containsExactlyElementsOf(RagRow.COLUMNS);
  }

  @Test
  void everyColumnsPagesCoverTheSameFewRowsAndTheKeyHasAnOrderedIndexAndABloomFilter() throws IOException {
    RagTable table = new RagTable(RagTable.defaultOptions(4_000, 1));
    Path file = table.write(dir).get(0);
    try (ParquetFileReader reader = ParquetReadOptionsFactory.open(file)) {
      assertThat(reader.getRowGroups()).isNotEmpty();
      for (BlockMetaData block : reader.getRowGroups()) {
        ColumnChunkMetaData key = column(block, "doc_id");
        List<Long> keyPageRows = firstRows(reader.readOffsetIndex(key));
        assertThat(keyPageRows).hasSize((int) Math.ceil(block.getRowCount() / (double) RagTable.DEFAULT_PAGE_ROW_LIMIT));
        for (int p = 1; p < keyPageRows.size(); p++) {
          assertThat(keyPageRows.get(p) - keyPageRows.get(p - 1)).isEqualTo(RagTable.DEFAULT_PAGE_ROW_LIMIT);
        }
        // So a lookup fetches one page per column: the key page's rows and nothing more.
        for (ColumnChunkMetaData chunk : block.getColumns()) {
          OffsetIndex offsets = reader.readOffsetIndex(chunk);
          assertThat(firstRows(offsets)).as("page starts of %s", chunk.getPath()).isEqualTo(keyPageRows);
          for (int p = 0; p < offsets.getPageCount(); p++) {
            assertThat(offsets.getCompressedPageSize(p)).as("page %d of %s", p, chunk.getPath())
                .isLessThanOrEqualTo(RagTable.DEFAULT_PAGE_SIZE_BYTES);
          }
        }
        assertThat(reader.readColumnIndex(key).getBoundaryOrder()).isEqualTo(BoundaryOrder.ASCENDING);
        BloomFilter bloom = reader.readBloomFilter(key);
        assertThat(bloom).as("bloom filter on doc_id").isNotNull();
        assertThat(bloom.getBitsetSize()).isLessThan(64 * 1024);
        long first = block.getRowIndexOffset();
        for (long i = first; i < first + block.getRowCount(); i += 7) {
          assertThat(bloom.findHash(bloom.hash(Binary.fromString(table.keyAt(i))))).isTrue();
        }
        int absentHits = 0;
        for (long i = first; i < first + Math.min(1_000, block.getRowCount()); i++) {
          absentHits += bloom.findHash(bloom.hash(Binary.fromString(table.absentKeyNear(i)))) ? 1 : 0;
        }
        assertThat(absentHits).as("false positives of absent keys").isLessThan(50);
      }
    }
  }

  @Test
  void aWideEmbeddingIsCutByThePageSizeCeilingWithinOneRow() throws IOException {
    // 4096 floats are 16 KiB a row: eight rows would be 128 KiB.
    RagTable table = new RagTable(RagTable.defaultOptions(200, 1).withEmbeddingDim(4096));
    Path file = table.write(dir).get(0);
    try (ParquetFileReader reader = ParquetReadOptionsFactory.open(file)) {
      ColumnChunkMetaData embedding = reader.getRowGroups().get(0).getColumns().stream()
          .filter(c -> c.getPath().toDotString().equals("embedding.list.element")).findFirst().orElseThrow();
      OffsetIndex offsets = reader.readOffsetIndex(embedding);
      assertThat(offsets.getPageCount()).isGreaterThan(200 / RagTable.DEFAULT_PAGE_ROW_LIMIT);
      for (int p = 0; p < offsets.getPageCount(); p++) {
        assertThat(offsets.getCompressedPageSize(p)).isLessThanOrEqualTo(RagTable.DEFAULT_PAGE_SIZE_BYTES + 4096 * 4 + 256);
      }
    }
  }

  @Test
  void rejectsTablesLargerThanTheDocIdSpace() {
    assertThatThrownBy(() -> new RagTable(RagTable.defaultOptions(10_000_000_001L, 1)))
        .hasMessageContaining("10000000001");
    assertThatThrownBy(() -> RagRow.docId(-1)).hasMessageContaining(": -1");
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static List<Long> firstRows(OffsetIndex offsets) {
    List<Long> rows = new ArrayList<>();
    for (int p = 0; p < offsets.getPageCount(); p++) {
      rows.add(offsets.getFirstRowIndex(p));
    }
    return rows;
  }

  private static ColumnChunkMetaData column(BlockMetaData block, String name) {
    return block.getColumns().stream().filter(c -> c.getPath().toDotString().equals(name)).findFirst()
        .orElseThrow();
  }

  /** Reads rows back with parquet-java's own example reader. */
  private static List<RagRow> readAll(Path file) throws IOException {
    List<RagRow> rows = new ArrayList<>();
    try (ParquetFileReader reader = ParquetReadOptionsFactory.open(file)) {
      MessageType schema = reader.getFooter().getFileMetaData().getSchema();
      MessageColumnIO io = new ColumnIOFactory().getColumnIO(schema);
      for (PageReadStore rowGroup = reader.readNextRowGroup(); rowGroup != null;
          rowGroup = reader.readNextRowGroup()) {
        RecordReader<Group> records = io.getRecordReader(rowGroup, new GroupRecordConverter(schema));
        for (long r = 0; r < rowGroup.getRowCount(); r++) {
          rows.add(toRow(records.read()));
        }
      }
    }
    return rows;
  }

  private static RagRow toRow(Group g) {
    Group e = g.getGroup("embedding", 0);
    List<Float> embedding = new ArrayList<>();
    for (int i = 0; i < e.getFieldRepetitionCount("list"); i++) {
      embedding.add(e.getGroup("list", i).getFloat("element", 0));
    }
    long micros = g.getLong("updated_at", 0);
    return new RagRow(
        g.getString("doc_id", 0),
        g.getString("title", 0),
        g.getString("text", 0),
        g.getFieldRepetitionCount("source") == 0 ? null : g.getString("source", 0),
        Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000),
        List.copyOf(embedding));
  }
}
