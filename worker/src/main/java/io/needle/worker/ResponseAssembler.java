package io.needle.worker;

import io.needle.metadata.ColumnPlan;
import io.needle.metadata.FilePlan;
import io.needle.metadata.PageRef;
import io.needle.metadata.RowGroupPlan;
import io.needle.protocol.proto.ColumnPages;
import io.needle.protocol.proto.Codec;
import io.needle.protocol.proto.DataPage;
import io.needle.protocol.proto.ErrorCode;
import io.needle.protocol.proto.FileResult;
import io.needle.protocol.proto.LookupResponse;
import io.needle.protocol.proto.PageSegment;
import io.needle.protocol.proto.RowGroupPages;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns the plans of one lookup into a response header and zero-copy spans.
 *
 * <p>Every page goes out once, however many keys, row groups or columns refer to it; pages of a
 * file go out in file order, so pages that are adjacent in the file leave in a single sendfile.
 * Not thread-safe; one per response.
 */
final class ResponseAssembler {
  private final long maxPayloadBytes;
  private final LookupResponse.Builder response = LookupResponse.newBuilder();
  private final List<PageSpan> spans = new ArrayList<>();
  private long payloadBytes;

  ResponseAssembler(long maxPayloadBytes) {
    this.maxPayloadBytes = maxPayloadBytes;
  }

  /** Adds one file's plan; takes spans' references of {@code file} (retaining as needed). */
  void add(String relativePath, OpenFile file, FilePlan plan) throws ServiceException {
    if (plan.rowGroups().isEmpty()) {
      return;
    }
    long[] offsets = distinctOffsets(plan);
    int[] lengths = new int[offsets.length];
    int firstPage = response.getPagesCount();
    FileResult.Builder result = FileResult.newBuilder()
        .setPath(relativePath)
        .setVersion(plan.version().wireToken())
        .setSchemaId(plan.schema().id());
    for (RowGroupPlan rg : plan.rowGroups()) {
      RowGroupPages.Builder rgb = RowGroupPages.newBuilder().setRowGroup(rg.rowGroup()).setRowCount(rg.rowCount());
      for (ColumnPlan column : rg.columns()) {
        ColumnPages.Builder cb = ColumnPages.newBuilder().setLeaf(column.leaf()).setCodec(codec(column.codec()));
        cb.setDictionaryPage(column.dictionary() == null ? -1 : firstPage + index(offsets, lengths, column.dictionary()));
        for (PageRef page : column.dataPages()) {
          cb.addDataPages(DataPage.newBuilder()
              .setPage(firstPage + index(offsets, lengths, page))
              .setFirstRow(page.firstRow()));
        }
        rgb.addColumns(cb);
      }
      result.addRowGroups(rgb);
    }
    response.addFiles(result);
    long spanStart = -1;
    long spanEnd = -1;
    for (int i = 0; i < offsets.length; i++) {
      response.addPages(PageSegment.newBuilder().setLength(lengths[i]).setFileOffset(offsets[i]));
      payloadBytes += lengths[i];
      if (offsets[i] != spanEnd) {
        addSpan(file, spanStart, spanEnd);
        spanStart = offsets[i];
      }
      spanEnd = offsets[i] + lengths[i];
    }
    addSpan(file, spanStart, spanEnd);
    if (payloadBytes > maxPayloadBytes) {
      throw new ServiceException(ErrorCode.RESOURCE_EXHAUSTED, "response would carry " + payloadBytes
          + " bytes of pages, over the worker's limit of " + maxPayloadBytes + "; ask fewer keys or columns");
    }
  }

  LookupResponse.Builder response() {
    return response;
  }

  List<PageSpan> spans() {
    return spans;
  }

  long payloadBytes() {
    return payloadBytes;
  }

  /** Releases what was taken so far; for failed assemblies. */
  void release() {
    for (PageSpan span : spans) {
      span.file().release();
    }
    spans.clear();
  }

  private void addSpan(OpenFile file, long start, long end) {
    if (start >= 0) {
      file.retain();
      spans.add(new PageSpan(file, start, end - start));
    }
  }

  private static long[] distinctOffsets(FilePlan plan) {
    int n = 0;
    for (RowGroupPlan rg : plan.rowGroups()) {
      for (ColumnPlan c : rg.columns()) {
        n += c.dataPages().size() + (c.dictionary() == null ? 0 : 1);
      }
    }
    long[] all = new long[n];
    int i = 0;
    for (RowGroupPlan rg : plan.rowGroups()) {
      for (ColumnPlan c : rg.columns()) {
        if (c.dictionary() != null) {
          all[i++] = c.dictionary().offset();
        }
        for (PageRef p : c.dataPages()) {
          all[i++] = p.offset();
        }
      }
    }
    Arrays.sort(all);
    int distinct = 0;
    for (int j = 0; j < all.length; j++) {
      if (j == 0 || all[j] != all[j - 1]) {
        all[distinct++] = all[j];
      }
    }
    return Arrays.copyOf(all, distinct);
  }

  private static int index(long[] offsets, int[] lengths, PageRef page) throws ServiceException {
    int i = Arrays.binarySearch(offsets, page.offset());
    if (lengths[i] == 0) {
      lengths[i] = page.length();
    } else if (lengths[i] != page.length()) {
      throw new ServiceException(ErrorCode.INTERNAL, "page at " + page.offset() + " planned with lengths "
          + lengths[i] + " and " + page.length());
    }
    return i;
  }

  static Codec codec(String parquetCodec) throws ServiceException {
    return switch (parquetCodec) {
      case "UNCOMPRESSED" -> Codec.UNCOMPRESSED;
      case "SNAPPY" -> Codec.SNAPPY;
      case "GZIP" -> Codec.GZIP;
      case "LZO" -> Codec.LZO;
      case "BROTLI" -> Codec.BROTLI;
      case "LZ4" -> Codec.LZ4;
      case "ZSTD" -> Codec.ZSTD;
      case "LZ4_RAW" -> Codec.LZ4_RAW;
      default -> throw new ServiceException(ErrorCode.UNSUPPORTED, "unknown compression codec " + parquetCodec);
    };
  }
}
