package io.needle.testing.decode;

import io.needle.decode.AnswerHeader;
import io.needle.decode.PageSegments;
import io.needle.protocol.proto.FileResult;
import io.needle.protocol.proto.LookupResponse;
import io.needle.protocol.proto.Codec;
import io.needle.protocol.proto.ColumnPages;
import io.needle.protocol.proto.DataPage;
import io.needle.protocol.proto.RowGroupPages;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.OffsetIndex;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.PageLocation;
import org.apache.parquet.format.PageType;
import org.apache.parquet.format.RowGroup;
import org.apache.parquet.format.Util;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds, from a Parquet file on disk, what the worker would send for a lookup: the page segments
 * (header + compressed body, as in the file) and the {@link RowGroupPages} that index them. Pages
 * are found by walking the page headers of each column chunk; first rows come from the offset
 * index when the file has one, else from the headers where they tell (V2 pages, or V1 pages of a
 * non-repeated column), else are unknown (first page 0, then -1).
 *
 * <p>Test code only: independent of the worker's planner, so a disagreement points at one side.
 */
final class WorkerResponse {
  /** How first rows are given to the decoder. */
  enum FirstRows {
    /** As known from the offset index or the headers; unknown when neither tells. */
    KNOWN,
    /** Never known: first page 0, then -1 (a file without offset index). */
    UNKNOWN
  }

  final byte[] file;
  final FileMetaData footer;

  WorkerResponse(Path path) throws IOException {
    this.file = Files.readAllBytes(path);
    if (file.length < 12) {
      throw new IOException("too short for Parquet: " + file.length);
    }
    String tailMagic = new String(file, file.length - 4, 4, java.nio.charset.StandardCharsets.US_ASCII);
    if (!tailMagic.equals("PAR1")) {
      throw new EncryptedOrInvalid("footer magic " + tailMagic);
    }
    int footerLength = ByteBuffer.wrap(file, file.length - 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    if (footerLength <= 0 || footerLength > file.length - 12) {
      throw new IOException("footer length " + footerLength);
    }
    this.footerBytes = java.util.Arrays.copyOfRange(file, file.length - 8 - footerLength, file.length - 8);
    this.footer = Util.readFileMetaData(new ByteArrayInputStream(footerBytes));
  }

  private final byte[] footerBytes;

  /** Thrown when the file cannot even be split into pages (encrypted footer, bad magic). */
  static final class EncryptedOrInvalid extends IOException {
    private static final long serialVersionUID = 1L;

    EncryptedOrInvalid(String message) {
      super(message);
    }
  }

  /**
   * The schema bytes for {@link io.needle.decode.FileSchema#parse}: the file's own footer
   * (a superset of what Describe sends; re-serializing a slim copy would fail on footers holding a
   * LogicalType union member unknown to this Thrift version, which must still parse).
   */
  byte[] schemaBytes() {
    return footerBytes.clone();
  }

  /** A response for one row group: every page of the key leaf (unless -1), then of every leaf, in leaf order. */
  final class Built {
    final List<ByteBuffer> segments = new ArrayList<>();
    RowGroupPages rowGroup;

    /** An answer holding this one row group (index 0), read as the client reads a reply's header. */
    AnswerHeader answer() {
      try {
        return AnswerHeader.parse(LookupResponse.newBuilder().addFiles(FileResult.newBuilder().addRowGroups(rowGroup))
            .build().toByteArray());
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        throw new AssertionError(e);
      }
    }

    /** The segments back to back in one buffer, on the heap or direct (as a Netty reply's may be). */
    PageSegments pages(boolean direct) {
      return PageSegments.copyOf(segments, direct);
    }
  }

  Built build(int rowGroupIndex, int keyLeaf, FirstRows mode, boolean[] maxRepZeroByLeaf) throws IOException {
    RowGroup rg = footer.getRow_groups().get(rowGroupIndex);
    Built built = new Built();
    Map<Long, Integer> segmentByOffset = new HashMap<>();
    RowGroupPages.Builder pages = RowGroupPages.newBuilder().setRowGroup(rowGroupIndex).setRowCount(rg.getNum_rows());
    if (keyLeaf >= 0) {
      pages.addColumns(column(rg.getColumns().get(keyLeaf), keyLeaf, mode, maxRepZeroByLeaf[keyLeaf], built, segmentByOffset));
    }
    for (int leaf = 0; leaf < rg.getColumns().size(); leaf++) {
      pages.addColumns(column(rg.getColumns().get(leaf), leaf, mode, maxRepZeroByLeaf[leaf], built, segmentByOffset));
    }
    built.rowGroup = pages.build();
    return built;
  }

  private ColumnPages column(ColumnChunk chunk, int leaf, FirstRows mode, boolean flat, Built built,
      Map<Long, Integer> segmentByOffset) throws IOException {
    ColumnMetaData meta = chunk.getMeta_data();
    if (meta == null) {
      throw new EncryptedOrInvalid("column chunk without metadata (encrypted?)");
    }
    long start = meta.getData_page_offset();
    if (meta.isSetDictionary_page_offset() && meta.getDictionary_page_offset() > 0
        && meta.getDictionary_page_offset() < start) {
      start = meta.getDictionary_page_offset();
    }
    long end = start + meta.getTotal_compressed_size();
    Map<Long, Long> firstRowByOffset = new HashMap<>();
    if (chunk.isSetOffset_index_offset() && mode == FirstRows.KNOWN) {
      OffsetIndex index = Util.readOffsetIndex(new ByteArrayInputStream(file, (int) chunk.getOffset_index_offset(),
          chunk.getOffset_index_length()));
      for (PageLocation location : index.getPage_locations()) {
        firstRowByOffset.put(location.getOffset(), location.getFirst_row_index());
      }
    }
    ColumnPages.Builder column = ColumnPages.newBuilder().setLeaf(leaf)
        .setCodec(Codec.valueOf(meta.getCodec().name())).setDictionaryPage(-1);
    long pos = start;
    long nextRow = 0;
    boolean rowsKnown = mode == FirstRows.KNOWN;
    long valuesLeft = meta.getNum_values();
    while (pos < end && valuesLeft > 0) {
      ByteArrayInputStream in = new ByteArrayInputStream(file, (int) pos, (int) (end - pos));
      int before = in.available();
      PageHeader header = Util.readPageHeader(in);
      int headerLength = before - in.available();
      int length = headerLength + header.getCompressed_page_size();
      if (header.getCompressed_page_size() < 0 || pos + length > end) {
        throw new EncryptedOrInvalid("page at " + pos + " of " + length + " bytes overruns its column chunk ending at " + end);
      }
      Integer segment = segmentByOffset.get(pos);
      if (segment == null) {
        segment = built.segments.size();
        built.segments.add(ByteBuffer.wrap(file, (int) pos, length).slice());
        segmentByOffset.put(pos, segment);
      }
      if (header.getType() == PageType.DICTIONARY_PAGE) {
        column.setDictionaryPage(segment);
      } else if (header.getType() == PageType.DATA_PAGE || header.getType() == PageType.DATA_PAGE_V2) {
        long firstRow;
        Long indexed = firstRowByOffset.get(pos);
        if (indexed != null) {
          firstRow = indexed;
        } else if (rowsKnown) {
          firstRow = nextRow;
        } else {
          firstRow = column.getDataPagesCount() == 0 ? 0 : -1;
        }
        if (header.getType() == PageType.DATA_PAGE_V2) {
          nextRow += header.getData_page_header_v2().getNum_rows();
        } else if (flat) {
          nextRow += header.getData_page_header().getNum_values();
        } else if (indexed == null) {
          rowsKnown = false; // V1 pages of a repeated column: rows per page unknown from here on
        }
        column.addDataPages(DataPage.newBuilder().setPage(segment).setFirstRow(firstRow));
        valuesLeft -= header.getType() == PageType.DATA_PAGE_V2 ? header.getData_page_header_v2().getNum_values()
            : header.getData_page_header().getNum_values();
      }
      pos += length;
    }
    return column.build();
  }

  static Path corpus() {
    return Path.of(System.getProperty("needle.parquetTesting", "../testdata/parquet-testing"));
  }

  static List<Integer> rowGroupIndexes(FileMetaData footer, int max) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < Math.min(max, footer.getRow_groups().size()); i++) {
      out.add(i);
    }
    return out;
  }
}
