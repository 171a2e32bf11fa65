package io.needle.worker;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import io.needle.metadata.ColumnPlan;
import io.needle.metadata.FilePlan;
import io.needle.metadata.PageRef;
import io.needle.metadata.RowGroupPlan;
import io.needle.protocol.proto.ColumnPages;
import io.needle.protocol.proto.DataPage;
import io.needle.protocol.proto.FileResult;
import io.needle.protocol.proto.LookupResponse;
import io.needle.protocol.proto.PageSegment;
import io.needle.protocol.proto.Response;
import io.needle.protocol.proto.RowGroupPages;
import io.needle.protocol.proto.WorkerTimings;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The header of a lookup answer, written in {@code needle.proto}'s {@code Response} /
 * {@code LookupResponse} wire form straight from the plans, with no protobuf message built.
 *
 * <p>Why not the generated builders: an answer of one key and 12 columns is ~70 small messages
 * (files, row groups, columns, data pages, page segments), each built once as a builder, once as
 * a message and once more through {@code toBuilder} to add the request id and timings; that was
 * about a fifth of the event loop's time per warm lookup (BENCHMARKS.md, issue 16). The bytes are
 * the ones protobuf itself writes (fields in number order, proto3 defaults omitted, packed
 * {@code deleted_rows}), so every client parses them as before: the wire does not change.
 *
 * <p>Sizes of the nested messages are computed once, as files are added; writing walks the plans
 * again in the same order. Not thread-safe; one per answer.
 */
final class LookupHeader implements AnswerHeader {
  private static final long[] NONE = new long[0];

  /**
   * One file's result.
   *
   * @param pages per column in plan order: its dictionary page's index ({@code -1}: none), then
   *     each data page's index into the answer's pages
   * @param deleted per row group in plan order, the deleted rows shipped with it
   * @param sizes per row group in plan order: the row group message's size, then each column's
   * @param size the file message's size
   */
  private record File(String path, String version, long schemaId, List<RowGroupPlan> rowGroups, int[] pages,
      long[][] deleted, int[] sizes, int size) {}

  private final List<File> files = new ArrayList<>(2);
  private int filesBytes; // tags, lengths and bodies of the files field
  private long[] offsets = NONE;
  private int[] lengths = new int[0];
  private int[] crcs; // null until the pages are resolved through a page store
  private int pages;

  /** Pages so far: the index the next added page gets. */
  int pageCount() {
    return pages;
  }

  /** Appends a file's distinct pages, in payload order. */
  void addPages(long[] fileOffsets, int[] fileLengths) {
    int n = pages + fileOffsets.length;
    if (n > offsets.length) {
      offsets = Arrays.copyOf(offsets, Math.max(n, offsets.length * 2));
      lengths = Arrays.copyOf(lengths, offsets.length);
    }
    System.arraycopy(fileOffsets, 0, offsets, pages, fileOffsets.length);
    System.arraycopy(fileLengths, 0, lengths, pages, fileLengths.length);
    pages = n;
  }

  /**
   * Adds a file's result.
   *
   * @param version the plan's {@link io.needle.metadata.FileVersion#wireToken()}
   * @param pageIndexes see {@link File#pages}
   * @param deletes the file's deleted rows, or null when none are
   */
  void addFile(String path, String version, FilePlan plan, int[] pageIndexes, RowDeletes deletes) {
    List<RowGroupPlan> rowGroups = plan.rowGroups();
    int columnCount = 0;
    for (int r = 0; r < rowGroups.size(); r++) {
      columnCount += rowGroups.get(r).columns().size();
    }
    int[] sizes = new int[rowGroups.size() + columnCount];
    long[][] deleted = new long[rowGroups.size()][];
    int s = 0;
    int p = 0;
    int rowGroupsBytes = 0;
    for (int r = 0; r < rowGroups.size(); r++) {
      RowGroupPlan rg = rowGroups.get(r);
      int rgAt = s++;
      int rgSize = uint32(RowGroupPages.ROW_GROUP_FIELD_NUMBER, rg.rowGroup()) + uint64(RowGroupPages.ROW_COUNT_FIELD_NUMBER, rg.rowCount());
      List<ColumnPlan> columns = rg.columns();
      for (int c = 0; c < columns.size(); c++) {
        ColumnPlan column = columns.get(c);
        int size = uint32(ColumnPages.LEAF_FIELD_NUMBER, column.leaf()) + enumValue(ColumnPages.CODEC_FIELD_NUMBER, codec(column))
            + int32(ColumnPages.DICTIONARY_PAGE_FIELD_NUMBER, pageIndexes[p++]);
        List<PageRef> dataPages = column.dataPages();
        for (int d = 0; d < dataPages.size(); d++) {
          size += nested(ColumnPages.DATA_PAGES_FIELD_NUMBER, dataPageSize(pageIndexes[p++], dataPages.get(d).firstRow()));
        }
        sizes[s++] = size;
        rgSize += nested(RowGroupPages.COLUMNS_FIELD_NUMBER, size);
      }
      deleted[r] = deletes == null ? NONE : deletes.shipped(rg);
      rgSize += packedSize(RowGroupPages.DELETED_ROWS_FIELD_NUMBER, deleted[r]);
      sizes[rgAt] = rgSize;
      rowGroupsBytes += nested(FileResult.ROW_GROUPS_FIELD_NUMBER, rgSize);
    }
    long schemaId = plan.schema().id();
    int size = string(FileResult.PATH_FIELD_NUMBER, path) + string(FileResult.VERSION_FIELD_NUMBER, version)
        + (schemaId == 0 ? 0 : CodedOutputStream.computeFixed64Size(FileResult.SCHEMA_ID_FIELD_NUMBER, schemaId)) + rowGroupsBytes;
    files.add(new File(path, version, schemaId, rowGroups, pageIndexes, deleted, sizes, size));
    filesBytes += nested(LookupResponse.FILES_FIELD_NUMBER, size);
  }

  /** Every page's CRC32C, in page order: the answer's pages came through the page store. */
  void crcs(int[] pageCrcs) {
    this.crcs = pageCrcs;
  }

  @Override
  public int serializedSize(long requestId, long planNanos, long readNanos) {
    return uint64(Response.REQUEST_ID_FIELD_NUMBER, requestId) + nested(Response.LOOKUP_FIELD_NUMBER, lookupSize(planNanos, readNanos));
  }

  @Override
  public void writeTo(CodedOutputStream out, long requestId, long planNanos, long readNanos) throws IOException {
    if (requestId != 0) {
      out.writeUInt64(Response.REQUEST_ID_FIELD_NUMBER, requestId);
    }
    writeTag(out, Response.LOOKUP_FIELD_NUMBER, lookupSize(planNanos, readNanos));
    for (int f = 0; f < files.size(); f++) {
      File file = files.get(f);
      writeTag(out, LookupResponse.FILES_FIELD_NUMBER, file.size());
      writeFile(out, file);
    }
    for (int i = 0; i < pages; i++) {
      writeTag(out, LookupResponse.PAGES_FIELD_NUMBER, segmentSize(i));
      if (lengths[i] != 0) {
        out.writeUInt32(PageSegment.LENGTH_FIELD_NUMBER, lengths[i]);
      }
      if (crcs != null && crcs[i] != 0) {
        out.writeFixed32(PageSegment.CRC32C_FIELD_NUMBER, crcs[i]);
      }
      if (crcs != null) {
        out.writeBool(PageSegment.HAS_CRC32C_FIELD_NUMBER, true);
      }
      if (offsets[i] != 0) {
        out.writeUInt64(PageSegment.FILE_OFFSET_FIELD_NUMBER, offsets[i]);
      }
    }
    writeTag(out, LookupResponse.TIMINGS_FIELD_NUMBER, timingsSize(planNanos, readNanos));
    if (planNanos != 0) {
      out.writeUInt64(WorkerTimings.PLAN_NANOS_FIELD_NUMBER, planNanos);
    }
    if (readNanos != 0) {
      out.writeUInt64(WorkerTimings.READ_NANOS_FIELD_NUMBER, readNanos);
    }
  }

  private static void writeFile(CodedOutputStream out, File file) throws IOException {
    if (!file.path().isEmpty()) {
      out.writeString(FileResult.PATH_FIELD_NUMBER, file.path());
    }
    if (!file.version().isEmpty()) {
      out.writeString(FileResult.VERSION_FIELD_NUMBER, file.version());
    }
    if (file.schemaId() != 0) {
      out.writeFixed64(FileResult.SCHEMA_ID_FIELD_NUMBER, file.schemaId());
    }
    int s = 0;
    int p = 0;
    for (int r = 0; r < file.rowGroups().size(); r++) {
      RowGroupPlan rg = file.rowGroups().get(r);
      writeTag(out, FileResult.ROW_GROUPS_FIELD_NUMBER, file.sizes()[s++]);
      if (rg.rowGroup() != 0) {
        out.writeUInt32(RowGroupPages.ROW_GROUP_FIELD_NUMBER, rg.rowGroup());
      }
      if (rg.rowCount() != 0) {
        out.writeUInt64(RowGroupPages.ROW_COUNT_FIELD_NUMBER, rg.rowCount());
      }
      List<ColumnPlan> columns = rg.columns();
      for (int c = 0; c < columns.size(); c++) { // indexed: no iterator per row group
        ColumnPlan column = columns.get(c);
        writeTag(out, RowGroupPages.COLUMNS_FIELD_NUMBER, file.sizes()[s++]);
        if (column.leaf() != 0) {
          out.writeUInt32(ColumnPages.LEAF_FIELD_NUMBER, column.leaf());
        }
        int codec = codec(column);
        if (codec != 0) {
          out.writeEnum(ColumnPages.CODEC_FIELD_NUMBER, codec);
        }
        int dictionary = file.pages()[p++];
        if (dictionary != 0) {
          out.writeInt32(ColumnPages.DICTIONARY_PAGE_FIELD_NUMBER, dictionary);
        }
        List<PageRef> dataPages = column.dataPages();
        for (int d = 0; d < dataPages.size(); d++) {
          PageRef page = dataPages.get(d);
          int index = file.pages()[p++];
          writeTag(out, ColumnPages.DATA_PAGES_FIELD_NUMBER, dataPageSize(index, page.firstRow()));
          if (index != 0) {
            out.writeUInt32(DataPage.PAGE_FIELD_NUMBER, index);
          }
          if (page.firstRow() != 0) {
            out.writeInt64(DataPage.FIRST_ROW_FIELD_NUMBER, page.firstRow());
          }
        }
      }
      long[] deleted = file.deleted()[r];
      if (deleted.length > 0) {
        int body = 0;
        for (long row : deleted) {
          body += CodedOutputStream.computeUInt64SizeNoTag(row);
        }
        writeTag(out, RowGroupPages.DELETED_ROWS_FIELD_NUMBER, body);
        for (long row : deleted) {
          out.writeUInt64NoTag(row);
        }
      }
    }
  }

  private int lookupSize(long planNanos, long readNanos) {
    int size = filesBytes + nested(LookupResponse.TIMINGS_FIELD_NUMBER, timingsSize(planNanos, readNanos));
    for (int i = 0; i < pages; i++) {
      size += nested(LookupResponse.PAGES_FIELD_NUMBER, segmentSize(i));
    }
    return size;
  }

  private int segmentSize(int i) {
    int size = uint32(PageSegment.LENGTH_FIELD_NUMBER, lengths[i]) + uint64(PageSegment.FILE_OFFSET_FIELD_NUMBER, offsets[i]);
    if (crcs != null) {
      size += (crcs[i] == 0 ? 0 : CodedOutputStream.computeFixed32Size(PageSegment.CRC32C_FIELD_NUMBER, crcs[i]))
          + CodedOutputStream.computeBoolSize(PageSegment.HAS_CRC32C_FIELD_NUMBER, true);
    }
    return size;
  }

  private static int timingsSize(long planNanos, long readNanos) {
    return uint64(WorkerTimings.PLAN_NANOS_FIELD_NUMBER, planNanos) + uint64(WorkerTimings.READ_NANOS_FIELD_NUMBER, readNanos);
  }

  private static int dataPageSize(int index, long firstRow) {
    return uint32(DataPage.PAGE_FIELD_NUMBER, index) + (firstRow == 0 ? 0 : CodedOutputStream.computeInt64Size(DataPage.FIRST_ROW_FIELD_NUMBER, firstRow));
  }

  private static int codec(ColumnPlan column) {
    return ResponseAssembler.wireCodec(column.codec()).getNumber();
  }

  private static void writeTag(CodedOutputStream out, int field, int length) throws IOException {
    out.writeTag(field, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    out.writeUInt32NoTag(length);
  }

  /** A length-delimited field of {@code length} bytes: tag, length and body. */
  private static int nested(int field, int length) {
    return CodedOutputStream.computeTagSize(field) + CodedOutputStream.computeUInt32SizeNoTag(length) + length;
  }

  private static int packedSize(int field, long[] values) {
    if (values.length == 0) {
      return 0;
    }
    int body = 0;
    for (long v : values) {
      body += CodedOutputStream.computeUInt64SizeNoTag(v);
    }
    return nested(field, body);
  }

  private static int uint32(int field, int value) {
    return value == 0 ? 0 : CodedOutputStream.computeUInt32Size(field, value);
  }

  private static int uint64(int field, long value) {
    return value == 0 ? 0 : CodedOutputStream.computeUInt64Size(field, value);
  }

  private static int int32(int field, int value) {
    return value == 0 ? 0 : CodedOutputStream.computeInt32Size(field, value);
  }

  private static int enumValue(int field, int value) {
    return value == 0 ? 0 : CodedOutputStream.computeEnumSize(field, value);
  }

  private static int string(int field, String value) {
    return value.isEmpty() ? 0 : CodedOutputStream.computeStringSize(field, value);
  }
}
