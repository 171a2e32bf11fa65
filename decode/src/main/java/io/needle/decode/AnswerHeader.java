package io.needle.decode;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.needle.protocol.proto.Codec;

import java.io.IOException;
import java.util.Arrays;

/**
 * A lookup answer's header ({@code LookupResponse} in needle.proto) read flat: its files, row
 * groups, columns, data pages and page segments as rows of primitive arrays, parsed straight
 * from the wire bytes with protobuf's {@link CodedInputStream} instead of building a message
 * object per file, row group, column, data page and segment (~70 for one key and twelve
 * columns; most of the client's header cost, BENCHMARKS.md issue 16).
 *
 * <p>Layout: every entity is an index. A file's row groups are {@code [firstRowGroup(f),
 * rowGroupEnd(f))}, a row group's columns {@code [firstColumn(rg), columnEnd(rg))}, a column's
 * data pages {@code [0, dataPageCount(c))}; nested messages are contained in their parent's
 * bytes, so a depth-first read appends each parent's children contiguously.
 *
 * <p>Same answer as the generated parser: a field is matched by number and wire type (anything
 * else is skipped as an unknown field); a scalar given twice keeps the last value; repeated
 * fields concatenate, packed or not; strings must be UTF-8; truncated input, bad tags, stray
 * end-groups and negative lengths are {@link InvalidProtocolBufferException}. An unknown codec
 * reads as {@link Codec#UNRECOGNIZED}, with its number in {@link #codecValue}. Tested against
 * the generated parser on random and mutated headers ({@code AnswerHeaderTest}).
 *
 * <p>Immutable once read; safe to share between the threads decoding one reply's row groups.
 */
public final class AnswerHeader {
  private final Reader r;

  private AnswerHeader(Reader r) {
    this.r = r;
  }

  /** A serialized {@code LookupResponse}, read flat. */
  public static AnswerHeader parse(byte[] lookupResponse) throws InvalidProtocolBufferException {
    CodedInputStream in = CodedInputStream.newInstance(lookupResponse);
    Reader reader = new Reader();
    reader.mergeFrom(in);
    return reader.build();
  }

  public int fileCount() {
    return r.files;
  }

  public String path(int file) {
    return r.paths[file];
  }

  public String version(int file) {
    return r.versions[file];
  }

  public long schemaId(int file) {
    return r.schemaIds[file];
  }

  /** Index of the file's first row group. */
  public int firstRowGroup(int file) {
    return r.fileRowGroups[2 * file];
  }

  /** One past the index of the file's last row group. */
  public int rowGroupEnd(int file) {
    return r.fileRowGroups[2 * file + 1];
  }

  public int rowGroupCount() {
    return r.rowGroups;
  }

  /** The row group's number in its file ({@code row_group}). */
  public int rowGroupNumber(int rowGroup) {
    return r.rowGroupNumbers[rowGroup];
  }

  public long rowCount(int rowGroup) {
    return r.rowCounts[rowGroup];
  }

  /** Index of the row group's first column (the key column's, in a keyed answer). */
  public int firstColumn(int rowGroup) {
    return r.rowGroupColumns[2 * rowGroup];
  }

  public int columnEnd(int rowGroup) {
    return r.rowGroupColumns[2 * rowGroup + 1];
  }

  public int deletedRowCount(int rowGroup) {
    return r.rowGroupDeleted[2 * rowGroup + 1] - r.rowGroupDeleted[2 * rowGroup];
  }

  /** The row group's {@code i}th deleted row (ascending, as the worker sends them). */
  public long deletedRow(int rowGroup, int i) {
    return r.deleted[r.rowGroupDeleted[2 * rowGroup] + i];
  }

  public int leaf(int column) {
    return r.leaves[column];
  }

  /** The column's codec; {@link Codec#UNRECOGNIZED} for a number this build does not know. */
  public Codec codec(int column) {
    Codec codec = Codec.forNumber(r.codecs[column]);
    return codec == null ? Codec.UNRECOGNIZED : codec;
  }

  public int codecValue(int column) {
    return r.codecs[column];
  }

  /** Index of the column's dictionary page among the answer's pages, -1 (as sent) when none. */
  public int dictionaryPage(int column) {
    return r.dictionaryPages[column];
  }

  public int dataPageCount(int column) {
    return r.columnDataPages[2 * column + 1] - r.columnDataPages[2 * column];
  }

  /** Index among the answer's pages of the column's {@code i}th data page. */
  public int dataPage(int column, int i) {
    return r.dataPages[r.columnDataPages[2 * column] + i];
  }

  /** Row of the column's {@code i}th data page's first row in its row group; -1 when unknown. */
  public long firstRow(int column, int i) {
    return r.firstRows[r.columnDataPages[2 * column] + i];
  }

  public int pageCount() {
    return r.pages;
  }

  public int pageLength(int page) {
    return r.pageLengths[page];
  }

  public boolean pageHasCrc32c(int page) {
    return r.pageHasCrc[page];
  }

  public int pageCrc32c(int page) {
    return r.pageCrcs[page];
  }

  public long pageFileOffset(int page) {
    return r.pageFileOffsets[page];
  }

  public long planNanos() {
    return r.planNanos;
  }

  public long readNanos() {
    return r.readNanos;
  }

  /**
   * Reads {@code LookupResponse} bodies into growing arrays; {@link #mergeFrom} may be called
   * more than once (a message given twice merges, as protobuf's parser does). Not thread-safe.
   */
  public static final class Reader {
    // LookupResponse
    private static final int FILES = tag(1, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    private static final int PAGES = tag(2, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    private static final int TIMINGS = tag(3, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    // WorkerTimings
    private static final int PLAN_NANOS = tag(1, WireFormat.WIRETYPE_VARINT);
    private static final int READ_NANOS = tag(2, WireFormat.WIRETYPE_VARINT);
    // PageSegment
    private static final int LENGTH = tag(1, WireFormat.WIRETYPE_VARINT);
    private static final int CRC32C = tag(2, WireFormat.WIRETYPE_FIXED32);
    private static final int HAS_CRC32C = tag(3, WireFormat.WIRETYPE_VARINT);
    private static final int FILE_OFFSET = tag(4, WireFormat.WIRETYPE_VARINT);
    // FileResult
    private static final int PATH = tag(1, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    private static final int VERSION = tag(2, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    private static final int SCHEMA_ID = tag(3, WireFormat.WIRETYPE_FIXED64);
    private static final int ROW_GROUPS = tag(4, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    // RowGroupPages
    private static final int ROW_GROUP = tag(1, WireFormat.WIRETYPE_VARINT);
    private static final int ROW_COUNT = tag(2, WireFormat.WIRETYPE_VARINT);
    private static final int COLUMNS = tag(3, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    private static final int DELETED_ROW = tag(4, WireFormat.WIRETYPE_VARINT);
    private static final int DELETED_ROWS_PACKED = tag(4, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    // ColumnPages
    private static final int LEAF = tag(1, WireFormat.WIRETYPE_VARINT);
    private static final int CODEC = tag(2, WireFormat.WIRETYPE_VARINT);
    private static final int DICTIONARY_PAGE = tag(3, WireFormat.WIRETYPE_VARINT);
    private static final int DATA_PAGES = tag(4, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    // DataPage
    private static final int PAGE = tag(1, WireFormat.WIRETYPE_VARINT);
    private static final int FIRST_ROW = tag(2, WireFormat.WIRETYPE_VARINT);

    private int files;
    private String[] paths = new String[2];
    private String[] versions = new String[2];
    private long[] schemaIds = new long[2];
    private int[] fileRowGroups = new int[4];

    private int rowGroups;
    private int[] rowGroupNumbers = new int[2];
    private long[] rowCounts = new long[2];
    private int[] rowGroupColumns = new int[4];
    private int[] rowGroupDeleted = new int[4];
    private int deletedCount;
    private long[] deleted = new long[0];

    private int columns;
    private int[] leaves = new int[16];
    private int[] codecs = new int[16];
    private int[] dictionaryPages = new int[16];
    private int[] columnDataPages = new int[32];

    private int dataPageCount;
    private int[] dataPages = new int[16];
    private long[] firstRows = new long[16];

    private int pages;
    private int[] pageLengths = new int[16];
    private int[] pageCrcs = new int[16];
    private boolean[] pageHasCrc = new boolean[16];
    private long[] pageFileOffsets = new long[16];

    private long planNanos;
    private long readNanos;

    private final int recursionLimit;
    private int depth;

    /** For a {@code LookupResponse} read on its own (protobuf's default recursion limit, 100). */
    public Reader() {
      this(0, 100);
    }

    /**
     * For a {@code LookupResponse} nested {@code depth} messages deep in a stream read with
     * {@code recursionLimit} (a reply's answer: depth 1 in its {@code Response}).
     */
    public Reader(int depth, int recursionLimit) {
      this.depth = depth;
      this.recursionLimit = recursionLimit;
    }

    private static int tag(int field, int wireType) {
      return (field << 3) | wireType; // WireFormat.makeTag, which is not public
    }

    /** Reads one {@code LookupResponse} body: to the input's current limit (or its end). */
    public void mergeFrom(CodedInputStream in) throws InvalidProtocolBufferException {
      try {
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
          if (tag == FILES) {
            int old = enter(in);
            file(in);
            leave(in, old);
          } else if (tag == PAGES) {
            int old = enter(in);
            page(in);
            leave(in, old);
          } else if (tag == TIMINGS) {
            int old = enter(in);
            timings(in);
            leave(in, old);
          } else {
            skip(in, tag);
          }
        }
      } catch (InvalidProtocolBufferException e) {
        throw e;
      } catch (IOException e) {
        throw new InvalidProtocolBufferException(e);
      }
    }

    public AnswerHeader build() {
      return new AnswerHeader(this);
    }

    private int enter(CodedInputStream in) throws IOException {
      int length = in.readRawVarint32();
      descend();
      return in.pushLimit(length); // negative or past the enclosing limit: InvalidProtocolBufferException
    }

    private void leave(CodedInputStream in, int oldLimit) throws InvalidProtocolBufferException {
      if (in.getBytesUntilLimit() != 0) {
        throw new InvalidProtocolBufferException("a nested message ended before its declared length");
      }
      in.popLimit(oldLimit);
      depth--;
    }

    /** An unknown field, skipped; an end-group tag where a message was being read is malformed. */
    private void skip(CodedInputStream in, int tag) throws IOException {
      if (!skipField(in, tag)) {
        throw new InvalidProtocolBufferException("an end-group tag where a message field was expected");
      }
    }

    /**
     * Skips one unknown field exactly as the generated parser reads it into its unknown-field
     * set, which is not quite {@link CodedInputStream#skipField}: a varint is read as an int64
     * (which accepts an 11-byte varint that skipRawVarint rejects), and groups count against the
     * recursion limit. False at an end-group tag.
     */
    private boolean skipField(CodedInputStream in, int tag) throws IOException {
      switch (tag & 7) {
        case WireFormat.WIRETYPE_VARINT -> in.readInt64();
        case WireFormat.WIRETYPE_FIXED64 -> in.readRawLittleEndian64();
        case WireFormat.WIRETYPE_LENGTH_DELIMITED -> in.skipRawBytes(in.readRawVarint32());
        case WireFormat.WIRETYPE_FIXED32 -> in.readRawLittleEndian32();
        case WireFormat.WIRETYPE_START_GROUP -> {
          descend();
          int inner;
          do {
            inner = in.readTag();
          } while (inner != 0 && skipField(in, inner));
          in.checkLastTagWas((tag & ~7) | WireFormat.WIRETYPE_END_GROUP);
          depth--;
        }
        case WireFormat.WIRETYPE_END_GROUP -> {
          return false;
        }
        default -> throw new InvalidProtocolBufferException("invalid wire type " + (tag & 7));
      }
      return true;
    }

    /** Into a nested message or group: the generated parser's recursion limit, counted the same way. */
    private void descend() throws InvalidProtocolBufferException {
      if (depth >= recursionLimit) {
        throw new InvalidProtocolBufferException("messages nest deeper than " + recursionLimit);
      }
      depth++;
    }

    private void timings(CodedInputStream in) throws IOException {
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (tag == PLAN_NANOS) {
          planNanos = in.readUInt64();
        } else if (tag == READ_NANOS) {
          readNanos = in.readUInt64();
        } else {
          skip(in, tag);
        }
      }
    }

    private void page(CodedInputStream in) throws IOException {
      if (pages == pageLengths.length) {
        int n = pages * 2;
        pageLengths = Arrays.copyOf(pageLengths, n);
        pageCrcs = Arrays.copyOf(pageCrcs, n);
        pageHasCrc = Arrays.copyOf(pageHasCrc, n);
        pageFileOffsets = Arrays.copyOf(pageFileOffsets, n);
      }
      int p = pages++;
      pageLengths[p] = 0;
      pageCrcs[p] = 0;
      pageHasCrc[p] = false;
      pageFileOffsets[p] = 0;
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (tag == LENGTH) {
          pageLengths[p] = in.readUInt32();
        } else if (tag == CRC32C) {
          pageCrcs[p] = in.readFixed32();
        } else if (tag == HAS_CRC32C) {
          pageHasCrc[p] = in.readBool();
        } else if (tag == FILE_OFFSET) {
          pageFileOffsets[p] = in.readUInt64();
        } else {
          skip(in, tag);
        }
      }
    }

    private void file(CodedInputStream in) throws IOException {
      if (files == paths.length) {
        int n = files * 2;
        paths = Arrays.copyOf(paths, n);
        versions = Arrays.copyOf(versions, n);
        schemaIds = Arrays.copyOf(schemaIds, n);
        fileRowGroups = Arrays.copyOf(fileRowGroups, 2 * n);
      }
      int f = files++;
      paths[f] = "";
      versions[f] = "";
      schemaIds[f] = 0;
      fileRowGroups[2 * f] = rowGroups;
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (tag == PATH) {
          paths[f] = in.readStringRequireUtf8();
        } else if (tag == VERSION) {
          versions[f] = in.readStringRequireUtf8();
        } else if (tag == SCHEMA_ID) {
          schemaIds[f] = in.readFixed64();
        } else if (tag == ROW_GROUPS) {
          int old = enter(in);
          rowGroup(in);
          leave(in, old);
        } else {
          skip(in, tag);
        }
      }
      fileRowGroups[2 * f + 1] = rowGroups;
    }

    private void rowGroup(CodedInputStream in) throws IOException {
      if (rowGroups == rowGroupNumbers.length) {
        int n = rowGroups * 2;
        rowGroupNumbers = Arrays.copyOf(rowGroupNumbers, n);
        rowCounts = Arrays.copyOf(rowCounts, n);
        rowGroupColumns = Arrays.copyOf(rowGroupColumns, 2 * n);
        rowGroupDeleted = Arrays.copyOf(rowGroupDeleted, 2 * n);
      }
      int g = rowGroups++;
      rowGroupNumbers[g] = 0;
      rowCounts[g] = 0;
      rowGroupColumns[2 * g] = columns;
      // Deleted rows may arrive between columns; they are gathered in a run of their own below.
      long[] mine = null;
      int mineCount = 0;
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (tag == ROW_GROUP) {
          rowGroupNumbers[g] = in.readUInt32();
        } else if (tag == ROW_COUNT) {
          rowCounts[g] = in.readUInt64();
        } else if (tag == COLUMNS) {
          int old = enter(in);
          column(in);
          leave(in, old);
        } else if (tag == DELETED_ROW) {
          mine = grow(mine, mineCount);
          mine[mineCount++] = in.readUInt64();
        } else if (tag == DELETED_ROWS_PACKED) {
          int old = in.pushLimit(in.readRawVarint32()); // packed values, not a message: no nesting
          while (in.getBytesUntilLimit() > 0) {
            mine = grow(mine, mineCount);
            mine[mineCount++] = in.readUInt64();
          }
          in.popLimit(old);
        } else {
          skip(in, tag);
        }
      }
      rowGroupColumns[2 * g + 1] = columns;
      rowGroupDeleted[2 * g] = deletedCount;
      if (mineCount > 0) {
        if (deletedCount + mineCount > deleted.length) {
          deleted = Arrays.copyOf(deleted, Math.max(deleted.length * 2, deletedCount + mineCount));
        }
        System.arraycopy(mine, 0, deleted, deletedCount, mineCount);
        deletedCount += mineCount;
      }
      rowGroupDeleted[2 * g + 1] = deletedCount;
    }

    private static long[] grow(long[] values, int count) {
      if (values == null) {
        return new long[8];
      }
      return count < values.length ? values : Arrays.copyOf(values, count * 2);
    }

    private void column(CodedInputStream in) throws IOException {
      if (columns == leaves.length) {
        int n = columns * 2;
        leaves = Arrays.copyOf(leaves, n);
        codecs = Arrays.copyOf(codecs, n);
        dictionaryPages = Arrays.copyOf(dictionaryPages, n);
        columnDataPages = Arrays.copyOf(columnDataPages, 2 * n);
      }
      int c = columns++;
      leaves[c] = 0;
      codecs[c] = 0;
      dictionaryPages[c] = 0;
      columnDataPages[2 * c] = dataPageCount;
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (tag == LEAF) {
          leaves[c] = in.readUInt32();
        } else if (tag == CODEC) {
          codecs[c] = in.readEnum();
        } else if (tag == DICTIONARY_PAGE) {
          dictionaryPages[c] = in.readInt32();
        } else if (tag == DATA_PAGES) {
          int old = enter(in);
          dataPage(in);
          leave(in, old);
        } else {
          skip(in, tag);
        }
      }
      columnDataPages[2 * c + 1] = dataPageCount;
    }

    private void dataPage(CodedInputStream in) throws IOException {
      if (dataPageCount == dataPages.length) {
        int n = dataPageCount * 2;
        dataPages = Arrays.copyOf(dataPages, n);
        firstRows = Arrays.copyOf(firstRows, n);
      }
      int d = dataPageCount++;
      dataPages[d] = 0;
      firstRows[d] = 0;
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (tag == PAGE) {
          dataPages[d] = in.readUInt32();
        } else if (tag == FIRST_ROW) {
          firstRows[d] = in.readInt64();
        } else {
          skip(in, tag);
        }
      }
    }
  }
}
