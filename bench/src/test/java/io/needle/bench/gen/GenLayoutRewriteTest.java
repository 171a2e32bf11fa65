package io.needle.bench.gen;

import static org.assertj.core.api.Assertions.assertThat;

import io.needle.bench.baseline.ParquetReadOptionsFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gen-layout rewrite keeps every row and puts it in gen's layout. Source: a DuckDB layout
 * table, keys in random order, whose files disagree on which columns are required (DuckDB marks a
 * column required in a file where it has no null). Oracle: the rows derived from the key.
 */
class GenLayoutRewriteTest {
  @TempDir
  Path dir;

  @Test
  void keepsEveryRowSortedByKeyWithPageIndexAndBloomFilter() throws IOException {
    LayoutTable source = new LayoutTable(Layout.DUCKDB_V2, 400, 5);
    List<Path> sourceFiles = source.write(dir.resolve("source"));
    List<Path> rewritten = GenLayoutRewrite.write(sourceFiles, LayoutTable.KEY_COLUMN, dir.resolve("gen"));

    assertThat(rewritten).hasSameSizeAs(sourceFiles);
    List<Long> keys = new ArrayList<>();
    int duplicates = 0;
    for (Path file : rewritten) {
      try (ParquetFileReader reader = ParquetReadOptionsFactory.open(file)) {
        for (BlockMetaData block : reader.getRowGroups()) {
          ColumnChunkMetaData key = block.getColumns().get(0);
          assertThat(key.getPath().toDotString()).isEqualTo(LayoutTable.KEY_COLUMN);
          assertThat(reader.readOffsetIndex(key)).isNotNull();
          assertThat(reader.readColumnIndex(key)).isNotNull();
          assertThat(reader.readBloomFilter(key)).isNotNull();
        }
        MessageType schema = reader.getFooter().getFileMetaData().getSchema();
        PageReadStore pages;
        while ((pages = reader.readNextRowGroup()) != null) {
          RecordReader<Group> records = new ColumnIOFactory().getColumnIO(schema)
              .getRecordReader(pages, new GroupRecordConverter(schema));
          for (long r = 0; r < pages.getRowCount(); r++) {
            Group g = records.read();
            long id = g.getLong("id", 0);
            long k = source.keyNumberOf(id);
            int copy = g.getInteger("version", 0);
            assertThat(k).as("key %d", id).isNotNegative();
            LayoutRow expected = source.row(k, copy);
            assertThat(g.getString("body", 0)).isEqualTo(expected.body());
            assertThat(g.getLong("amount", 0)).isEqualTo(expected.amount());
            assertThat(g.getFieldRepetitionCount("note")).isEqualTo(expected.note() == null ? 0 : 1);
            keys.add(id);
            duplicates += copy;
          }
        }
      }
    }
    long distinct = keys.stream().distinct().count();
    assertThat(distinct).isEqualTo(400);
    assertThat(keys).hasSize(400 + duplicates).isSorted();
    assertThat(duplicates).isEqualTo((int) java.util.stream.LongStream.range(0, 400).filter(source::duplicated).count());
  }
}
