package io.needle.testing.e2e;

import io.needle.testing.ParquetOracle;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.VersionParser;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.impl.ColumnReaderImpl;
import org.apache.parquet.column.page.DataPage;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.column.page.PageReader;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.PageType;
import org.apache.parquet.format.Util;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.io.api.PrimitiveConverter;

/**
 * Which pages of a file hold each row, per column chunk, from parquet-java alone and for any
 * layout (with or without an offset index, v1 or v2 pages, repeated columns): the pages and their
 * sizes come from walking the chunk's page headers; a row's pages from reading the chunk's levels
 * with parquet-java's column reader while counting the pages it has taken. The value a reader
 * stands on after {@code consume()} lies in the last page it took, so a row spans the pages from
 * its first value's to its last value's.
 *
 * @param chunks by row group, then by leaf column in schema order
 */
record RowPages(String path, List<List<Chunk>> chunks) {

  /**
   * One column chunk.
   *
   * @param dictionaryBytes bytes of its dictionary page with header, 0 when it has none
   * @param pageBytes bytes of each data page with header, in file order
   * @param firstPage per row of the row group, the data page holding its first value
   * @param lastPage per row, the data page holding its last value
   */
  record Chunk(int dictionaryBytes, int[] pageBytes, int[] firstPage, int[] lastPage) {}

  static RowPages read(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    List<List<Chunk>> rowGroups = new ArrayList<>();
    try (ParquetFileReader reader = ParquetOracle.fileReader(file)) {
      List<ColumnDescriptor> leaves = reader.getFooter().getFileMetaData().getSchema().getColumns();
      VersionParser.ParsedVersion writer = writer(reader.getFooter().getFileMetaData().getCreatedBy());
      for (BlockMetaData block : reader.getFooter().getBlocks()) {
        PageReadStore pages = reader.readNextRowGroup();
        List<Chunk> chunks = new ArrayList<>();
        for (int leaf = 0; leaf < leaves.size(); leaf++) {
          chunks.add(chunk(bytes, block.getColumns().get(leaf), leaves.get(leaf), pages, (int) block.getRowCount(),
              writer));
        }
        rowGroups.add(chunks);
      }
    }
    return new RowPages(file.getFileName().toString(), rowGroups);
  }

  private static Chunk chunk(byte[] file, ColumnChunkMetaData meta, ColumnDescriptor leaf, PageReadStore store,
      int rows, VersionParser.ParsedVersion writer) throws IOException {
    int dictionaryBytes = 0;
    List<Integer> pageBytes = new ArrayList<>();
    long end = meta.getStartingPos() + meta.getTotalSize();
    for (long offset = meta.getStartingPos(); offset < end; ) {
      InputStream in = new ByteArrayInputStream(file, (int) offset, (int) (end - offset));
      int before = in.available();
      PageHeader header = Util.readPageHeader(in);
      int size = before - in.available() + header.getCompressed_page_size();
      if (header.getType() == PageType.DICTIONARY_PAGE) {
        dictionaryBytes = size;
      } else if (header.getType() == PageType.DATA_PAGE || header.getType() == PageType.DATA_PAGE_V2) {
        pageBytes.add(size);
      }
      offset += size;
    }
    CountingPages counting = new CountingPages(store.getPageReader(leaf));
    ColumnReaderImpl reader = new ColumnReaderImpl(leaf, counting, new PrimitiveConverter() {}, writer);
    int[] firstPage = new int[rows];
    int[] lastPage = new int[rows];
    int row = -1;
    for (long v = 0, n = counting.getTotalValueCount(); v < n; v++) {
      int page = counting.taken - 1;
      if (reader.getCurrentRepetitionLevel() == 0) {
        firstPage[++row] = page;
      }
      lastPage[row] = page;
      if (reader.getCurrentDefinitionLevel() == leaf.getMaxDefinitionLevel()) {
        reader.skip();
      }
      reader.consume();
    }
    if (row + 1 != rows || counting.taken != pageBytes.size()) {
      throw new IllegalStateException(meta.getPath() + ": read " + (row + 1) + " rows in " + counting.taken
          + " pages; the row group has " + rows + " rows and the page headers " + pageBytes.size() + " data pages");
    }
    return new Chunk(dictionaryBytes, pageBytes.stream().mapToInt(Integer::intValue).toArray(), firstPage, lastPage);
  }

  private static VersionParser.ParsedVersion writer(String createdBy) {
    try {
      return VersionParser.parse(createdBy);
    } catch (VersionParser.VersionParseException | RuntimeException e) {
      return null; // DuckDB's created_by is not parquet-java's format; the reader takes null
    }
  }

  /** A page reader that counts the data pages taken from it. */
  private static final class CountingPages implements PageReader {
    private final PageReader pages;
    int taken;

    CountingPages(PageReader pages) {
      this.pages = pages;
    }

    @Override
    public DictionaryPage readDictionaryPage() {
      return pages.readDictionaryPage();
    }

    @Override
    public long getTotalValueCount() {
      return pages.getTotalValueCount();
    }

    @Override
    public DataPage readPage() {
      DataPage page = pages.readPage();
      if (page != null) {
        taken++;
      }
      return page;
    }
  }
}
