package io.needle.metadata;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.ColumnIndex;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.PageType;
import org.apache.parquet.format.Statistics;
import org.apache.parquet.format.Util;

/**
 * An independent reading of a corpus file for tests: parses the footer from the whole file's
 * bytes and walks every page header of every chunk, one header at a time, recording what a
 * plan must agree with. Knows nothing of the code under test.
 */
final class CorpusOracle {
  static final Path DATA = Path.of(System.getProperty("needle.parquetTesting", "../testdata/parquet-testing")).resolve("data");
  static final Path BAD_DATA = Path.of(System.getProperty("needle.parquetTesting", "../testdata/parquet-testing")).resolve("bad_data");

  record Page(long offset, int length, PageType type, int numValues, int numRows, byte[] min, byte[] max, boolean allNull) {}

  /** Pages of one chunk with each data page's first row (-1 when unknowable from headers). */
  record Chunk(List<Page> pages, long[] dataFirstRows, ColumnIndex columnIndex, long rows) {
    List<Page> dataPages() {
      return pages.stream().filter(p -> p.type() == PageType.DATA_PAGE || p.type() == PageType.DATA_PAGE_V2).toList();
    }

    long dataEndRow(int i) {
      return i + 1 < dataFirstRows.length ? dataFirstRows[i + 1] : rows;
    }
  }

  final byte[] bytes;
  final FileMetaData footer;
  final Chunk[][] chunks; // [rowGroup][leaf]

  CorpusOracle(Path file) throws IOException {
    bytes = Files.readAllBytes(file);
    int n = bytes.length;
    int footerLength = ByteBuffer.wrap(bytes, n - 8, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt();
    footer = Util.readFileMetaData(new ByteArrayInputStream(bytes, n - 8 - footerLength, footerLength));
    chunks = new Chunk[footer.getRow_groupsSize()][];
    for (int rg = 0; rg < chunks.length; rg++) {
      List<ColumnChunk> columns = footer.getRow_groups().get(rg).getColumns();
      long rows = footer.getRow_groups().get(rg).getNum_rows();
      chunks[rg] = new Chunk[columns.size()];
      for (int c = 0; c < columns.size(); c++) {
        chunks[rg][c] = walk(columns.get(c), rows, maxRepetition(c) > 0);
      }
    }
  }

  static List<Path> files(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.toString().endsWith(".parquet")).sorted().toList();
    }
  }

  /** Max repetition level of leaf {@code leaf}, from the schema, computed independently. */
  int maxRepetition(int leaf) {
    int[] counter = {0};
    int[] result = {-1};
    var schema = footer.getSchema();
    int[] idx = {1};
    for (int i = 0; i < schema.get(0).getNum_children(); i++) {
      visit(schema, idx, 0, leaf, counter, result);
    }
    return result[0];
  }

  private static void visit(List<org.apache.parquet.format.SchemaElement> schema, int[] idx, int rep, int leaf, int[] counter, int[] result) {
    var e = schema.get(idx[0]++);
    int r = rep + (e.getRepetition_type() == org.apache.parquet.format.FieldRepetitionType.REPEATED ? 1 : 0);
    if (e.getNum_children() > 0) {
      for (int i = 0; i < e.getNum_children(); i++) {
        visit(schema, idx, r, leaf, counter, result);
      }
    } else if (counter[0]++ == leaf) {
      result[0] = r;
    }
  }

  private Chunk walk(ColumnChunk chunk, long rows, boolean repeated) throws IOException {
    ColumnMetaData m = chunk.getMeta_data();
    long pos = m.isSetDictionary_page_offset() && m.getDictionary_page_offset() > 0 ? m.getDictionary_page_offset() : m.getData_page_offset();
    long end = pos + m.getTotal_compressed_size();
    List<Page> pages = new ArrayList<>();
    List<Long> firstRows = new ArrayList<>();
    long row = 0;
    boolean known = true;
    while (pos < end) {
      ByteArrayInputStream in = new ByteArrayInputStream(bytes, (int) pos, bytes.length - (int) pos);
      int before = in.available();
      PageHeader h = Util.readPageHeader(in);
      int length = before - in.available() + h.getCompressed_page_size();
      Statistics st = h.isSetData_page_header() ? h.getData_page_header().getStatistics()
          : h.isSetData_page_header_v2() ? h.getData_page_header_v2().getStatistics() : null;
      int values = h.isSetData_page_header() ? h.getData_page_header().getNum_values()
          : h.isSetData_page_header_v2() ? h.getData_page_header_v2().getNum_values() : 0;
      int pageRows = h.isSetData_page_header_v2() ? h.getData_page_header_v2().getNum_rows() : repeated ? -1 : values;
      byte[] min = st != null && st.isSetMin_value() ? st.getMin_value() : null;
      byte[] max = st != null && st.isSetMax_value() ? st.getMax_value() : null;
      boolean allNull = st != null && st.isSetNull_count() && st.getNull_count() == values;
      pages.add(new Page(pos, length, h.getType(), values, pageRows, min, max, allNull));
      if (h.getType() == PageType.DATA_PAGE || h.getType() == PageType.DATA_PAGE_V2) {
        firstRows.add(firstRows.isEmpty() ? 0 : known ? row : -1);
        if (pageRows < 0) {
          known = false;
        }
        row += Math.max(pageRows, 0);
      }
      pos += length;
    }
    ColumnIndex ci = null;
    if (chunk.isSetColumn_index_offset()) {
      ci = Util.readColumnIndex(new ByteArrayInputStream(bytes, (int) chunk.getColumn_index_offset(), chunk.getColumn_index_length()));
    }
    return new Chunk(pages, firstRows.stream().mapToLong(Long::longValue).toArray(), ci, rows);
  }

  /** The page at {@code offset} parsed afresh: header length + compressed size, and its type. */
  Page pageAt(long offset) throws IOException {
    ByteArrayInputStream in = new ByteArrayInputStream(bytes, (int) offset, bytes.length - (int) offset);
    int before = in.available();
    PageHeader h = Util.readPageHeader(in);
    return new Page(offset, before - in.available() + h.getCompressed_page_size(), h.getType(), 0, 0, null, null, false);
  }
}
