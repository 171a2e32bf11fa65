package io.needle.testing.decode;

import io.needle.decode.AnswerHeader;
import io.needle.decode.FileSchema;
import io.needle.decode.KeyMatcher;
import io.needle.client.Row;
import io.needle.decode.PageSegments;
import io.needle.decode.RowGroupDecoder;
import io.needle.protocol.proto.Codec;
import io.needle.protocol.proto.ColumnPages;
import io.needle.protocol.proto.DataPage;
import io.needle.protocol.proto.FileResult;
import io.needle.protocol.proto.LookupResponse;
import io.needle.protocol.proto.RowGroupPages;
import io.needle.testing.OracleRow;
import io.needle.testing.ParquetOracle;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.Util;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.internal.column.columnindex.OffsetIndex;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Decodes responses that carry only some pages of each column — what a worker sends — and asks
 * for rows deep in later pages and on the very last row of a row group.
 *
 * <p>Regression test: parquet-java 1.18.1's synchronizing column reader stops as soon as it has
 * taken its last target row from the iterator, before reaching it, which turned such lookups
 * into nulls or another row's values ({@code TargetRows} works around it). Oracle: parquet-java's
 * own reader, row by row.
 */
class PageSubsetDecodeTest {
  @ParameterizedTest
  @ValueSource(strings = {"alltypes_tiny_pages.parquet", "alltypes_tiny_pages_plain.parquet", "data_index_bloom_encoding_stats.parquet"})
  void rowsOnLaterPagesAndTheLastRowDecodeLikeParquetJava(String name) throws Exception {
    Path file = WorkerResponse.corpus().resolve("data").resolve(name);
    byte[] bytes = Files.readAllBytes(file);
    FileSchema schema = FileSchema.parse(slimFooter(bytes));
    ParquetOracle oracle = ParquetOracle.open(file);
    String keyColumn = oracle.schema().getFields().get(0).getName();
    List<String> fields = oracle.schema().getFields().stream().map(f -> f.getName()).toList();
    RowGroupDecoder<Row> decoder = new RowGroupDecoder<>(schema, keyColumn, List.of(), Row::of);
    int checked = 0;
    try (ParquetFileReader reader = ParquetOracle.fileReader(file)) {
      List<BlockMetaData> blocks = reader.getFooter().getBlocks();
      for (int rg = 0; rg < blocks.size(); rg++) {
        BlockMetaData block = blocks.get(rg);
        List<OffsetIndex> indexes = new ArrayList<>();
        for (ColumnChunkMetaData column : block.getColumns()) {
          indexes.add(reader.readOffsetIndex(column));
        }
        long rows = block.getRowCount();
        OffsetIndex keyIndex = indexes.get(0);
        for (long target : targets(keyIndex, rows)) {
          int keyPage = pageOf(keyIndex, target);
          long from = keyIndex.getFirstRowIndex(keyPage);
          long to = keyPage + 1 < keyIndex.getPageCount() ? keyIndex.getFirstRowIndex(keyPage + 1) : rows;
          List<ByteBuffer> pages = new ArrayList<>();
          RowGroupPages.Builder response = RowGroupPages.newBuilder().setRowGroup(rg).setRowCount(rows);
          for (int leaf = 0; leaf < block.getColumns().size(); leaf++) {
            ColumnChunkMetaData column = block.getColumns().get(leaf);
            OffsetIndex index = indexes.get(leaf);
            ColumnPages.Builder cp = ColumnPages.newBuilder().setLeaf(leaf)
                .setCodec(Codec.valueOf(column.getCodec().name())).setDictionaryPage(-1);
            long firstData = index.getOffset(0);
            long chunkStart = column.getStartingPos();
            if (chunkStart < firstData) {
              pages.add(ByteBuffer.wrap(bytes, (int) chunkStart, (int) (firstData - chunkStart)).slice());
              cp.setDictionaryPage(pages.size() - 1);
            }
            for (int p = 0; p < index.getPageCount(); p++) {
              long start = index.getFirstRowIndex(p);
              long end = p + 1 < index.getPageCount() ? index.getFirstRowIndex(p + 1) : rows;
              boolean wanted = leaf == 0 ? p == keyPage : start < to && from < end;
              if (wanted) {
                pages.add(ByteBuffer.wrap(bytes, (int) index.getOffset(p), index.getCompressedPageSize(p)).slice());
                cp.addDataPages(DataPage.newBuilder().setPage(pages.size() - 1).setFirstRow(start));
              }
            }
            response.addColumns(cp);
          }
          OracleRow expectedRow = oracle.rows().stream()
              .filter(r -> r.rowGroup() == rgIndexOf(blocks, block) && r.rowInGroup() == target).findFirst().orElseThrow();
          Object key = ParquetOracle.keyValue(expectedRow, keyColumn);
          Map<Long, String> decoded = new HashMap<>();
          decoder.decode(answerOf(response.build()), 0, PageSegments.copyOf(pages, false), matcher(key),
              (ordinal, row, value) -> decoded.put(row, value.toJson()));
          assertThat(decoded).as("%s rg %d row %d", name, rg, target).containsKey(target);
          for (Map.Entry<Long, String> e : decoded.entrySet()) {
            int rgIndex = rg;
            OracleRow truth = oracle.rows().stream()
                .filter(r -> r.rowGroup() == rgIndex && r.rowInGroup() == e.getKey()).findFirst().orElseThrow();
            assertThat(e.getValue()).as("%s rg %d row %d", name, rg, e.getKey()).isEqualTo(ParquetOracle.json(truth, fields));
          }
          checked++;
        }
      }
    }
    assertThat(checked).isGreaterThanOrEqualTo(2);
  }

  private static int rgIndexOf(List<BlockMetaData> blocks, BlockMetaData block) {
    return blocks.indexOf(block);
  }

  /** Rows on the second and third page of the key column, mid-page, and the last row. */
  private static List<Long> targets(OffsetIndex keyIndex, long rows) {
    List<Long> out = new ArrayList<>();
    for (int p = 1; p < Math.min(3, keyIndex.getPageCount()); p++) {
      out.add(keyIndex.getFirstRowIndex(p));
      out.add(keyIndex.getFirstRowIndex(p) + 1);
    }
    out.add(rows / 2);
    out.add(rows - 1);
    return out.stream().filter(r -> r < rows).distinct().toList();
  }

  private static int pageOf(OffsetIndex index, long row) {
    int page = 0;
    while (page + 1 < index.getPageCount() && index.getFirstRowIndex(page + 1) <= row) {
      page++;
    }
    return page;
  }

  private static KeyMatcher matcher(Object key) {
    if (key instanceof Integer i) {
      return KeyMatcher.ofLongs(new long[] {i});
    }
    if (key instanceof Long l) {
      return KeyMatcher.ofLongs(new long[] {l});
    }
    if (key instanceof String s) {
      return KeyMatcher.ofBytes(new byte[][] {s.getBytes(java.nio.charset.StandardCharsets.UTF_8)});
    }
    return KeyMatcher.ofBytes(new byte[][] {(byte[]) key});
  }

  private static byte[] slimFooter(byte[] bytes) throws Exception {
    int length = ByteBuffer.wrap(bytes, bytes.length - 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    FileMetaData footer = Util.readFileMetaData(new ByteArrayInputStream(bytes, bytes.length - 8 - length, length));
    FileMetaData slim = new FileMetaData(footer.getVersion(), footer.getSchema(), 0, new ArrayList<>());
    slim.setCreated_by(footer.getCreated_by());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Util.writeFileMetaData(slim, out);
    return out.toByteArray();
  }

  /** An answer holding the one row group, read as the client reads a reply's header. */
  private static AnswerHeader answerOf(RowGroupPages rowGroup) throws Exception {
    return AnswerHeader.parse(LookupResponse.newBuilder().addFiles(FileResult.newBuilder().addRowGroups(rowGroup))
        .build().toByteArray());
  }
}
