package io.needle.worker;

import io.airlift.compress.Compressor;
import io.airlift.compress.snappy.SnappyCompressor;
import io.airlift.compress.zstd.ZstdCompressor;
import io.needle.decode.ChunkPageReader;
import io.needle.decode.DecodeException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.apache.parquet.VersionParser;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnWriteStore;
import org.apache.parquet.column.ColumnWriter;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.column.impl.ColumnReaderImpl;
import org.apache.parquet.column.impl.ColumnWriteStoreV1;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.page.PageWriteStore;
import org.apache.parquet.column.page.PageWriter;
import org.apache.parquet.column.statistics.SizeStatistics;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.column.statistics.geospatial.GeospatialStatistics;
import org.apache.parquet.format.CompressionCodec;
import org.apache.parquet.format.DataPageHeader;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.PageType;
import org.apache.parquet.format.Util;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;

/**
 * Rewrites one column chunk into small pages with parquet-column's own machinery: every triplet
 * (repetition level, definition level, value) is read with {@link ColumnReaderImpl} over the
 * chunk's decompressed pages ({@link ChunkPageReader}) and written again through a
 * {@link ColumnWriteStoreV1} whose page size threshold and row-count limit are the configured
 * ones. Pages end only at row boundaries (the write store checks sizes in {@code endRecord}), so
 * each starts at a known row, nested and repeated columns included.
 *
 * <p>Output pages are ordinary Parquet v1 data pages, PLAIN values with RLE levels, no
 * dictionary, compressed with the configured codec: any reader decodes them unchanged. Each goes
 * to a {@link Sink} with its first row and, for key candidates, its min and max value (PLAIN, as
 * page statistics have them). Stateless; runs on a re-paging thread.
 */
final class ChunkRewriter {
  /** Longest min or max value kept as a page bound; longer ones leave the page unbounded. */
  static final int MAX_BOUND_BYTES = 64;

  private ChunkRewriter() {}

  interface Sink {
    /** One finished page: Parquet page header and body. */
    void page(byte[] page, long firstRow, int rows, byte[] min, byte[] max) throws IOException;
  }

  /**
   * @param column the leaf, as described by the file's full schema
   * @param schema the file's schema
   * @param createdBy the file's created_by (parquet's reader works around known writer bugs by it)
   * @param outputCodec the pages' codec: UNCOMPRESSED, SNAPPY, ZSTD
   * @param maxPageRows rows per page at most
   * @return rows written
   */
  static long rewrite(MessageType schema, ColumnDescriptor column, ChunkPageReader pages, String createdBy,
      RepagingConfig config, int maxPageRows, CompressionCodec outputCodec, boolean keepBounds, Sink sink)
      throws IOException, DecodeException {
    MessageType single = onlyLeaf(schema, column.getPath());
    ColumnDescriptor target = single.getColumnDescription(column.getPath());
    ParquetProperties props = ParquetProperties.builder()
        .withWriterVersion(ParquetProperties.WriterVersion.PARQUET_1_0)
        .withDictionaryEncoding(false)
        .withPageSize(config.targetPageBytes())
        .withPageRowCountLimit(maxPageRows)
        .withMinRowCountForPageSizeCheck(1) // rows of KiB each: check after every row, not every 100
        .withMaxRowCountForPageSizeCheck(maxPageRows)
        .withBloomFilterEnabled(false)
        .build();
    PageCollector collector = new PageCollector(target, outputCodec, keepBounds, sink);
    ColumnWriteStore store = new ColumnWriteStoreV1(single, collector, props);
    try {
      ColumnWriter writer = store.getColumnWriter(target);
      ColumnReaderImpl reader = new ColumnReaderImpl(column, pages, new PrimitiveConverter() {}, version(createdBy));
      long total = reader.getTotalValueCount();
      int maxDefinition = column.getMaxDefinitionLevel();
      long rows = 0;
      for (long i = 0; i < total; i++) {
        int r = reader.getCurrentRepetitionLevel();
        int d = reader.getCurrentDefinitionLevel();
        if (r == 0) {
          if (i > 0) {
            store.endRecord();
          }
          rows++;
        }
        if (d < maxDefinition) {
          writer.writeNull(r, d);
        } else {
          switch (column.getPrimitiveType().getPrimitiveTypeName()) {
            case BOOLEAN -> writer.write(reader.getBoolean(), r, d);
            case INT32 -> writer.write(reader.getInteger(), r, d);
            case INT64 -> writer.write(reader.getLong(), r, d);
            case FLOAT -> writer.write(reader.getFloat(), r, d);
            case DOUBLE -> writer.write(reader.getDouble(), r, d);
            case BINARY, FIXED_LEN_BYTE_ARRAY, INT96 -> writer.write(reader.getBinary(), r, d);
          }
        }
        reader.consume();
      }
      if (total > 0) {
        store.endRecord();
      }
      store.flush();
      collector.rethrow();
      return rows;
    } catch (RuntimeException e) {
      DecodeException decode = ChunkPageReader.failure(e);
      if (decode != null) {
        throw decode;
      }
      collector.rethrow();
      throw new DecodeException(DecodeException.Kind.CORRUPT, "column " + column + " does not decode: " + e, e);
    } finally {
      store.close();
    }
  }

  /** The schema cut down to the one path: a write store writes every column of its schema. */
  static MessageType onlyLeaf(MessageType schema, String[] path) {
    return new MessageType(schema.getName(), keep(schema, path, 0));
  }

  private static Type keep(GroupType group, String[] path, int depth) {
    Type child = group.getType(path[depth]);
    return depth == path.length - 1 ? child : child.asGroupType().withNewFields(keep(child.asGroupType(), path, depth + 1));
  }

  private static VersionParser.ParsedVersion version(String createdBy) {
    if (createdBy == null) {
      return null;
    }
    try {
      return VersionParser.parse(createdBy);
    } catch (VersionParser.VersionParseException | RuntimeException e) {
      return null;
    }
  }

  /** Turns each page the write store cuts into header + (compressed) body for the sink. */
  private static final class PageCollector implements PageWriteStore, PageWriter {
    private final ColumnDescriptor column;
    private final CompressionCodec codec;
    private final boolean keepBounds;
    private final Sink sink;
    private final Compressor compressor;
    private long nextRow;
    private long memBytes;
    private IOException failure;

    PageCollector(ColumnDescriptor column, CompressionCodec codec, boolean keepBounds, Sink sink) {
      this.column = column;
      this.codec = codec;
      this.keepBounds = keepBounds;
      this.sink = sink;
      this.compressor = switch (codec) {
        case UNCOMPRESSED -> null;
        case SNAPPY -> new SnappyCompressor();
        case ZSTD -> new ZstdCompressor();
        default -> throw new IllegalArgumentException("re-paged pages are not written as " + codec);
      };
    }

    void rethrow() throws IOException {
      if (failure != null) {
        throw failure;
      }
    }

    @Override
    public PageWriter getPageWriter(ColumnDescriptor path) {
      return this;
    }

    @Override
    public void writePage(BytesInput bytes, int valueCount, Statistics<?> statistics, Encoding rl, Encoding dl,
        Encoding values) {
      throw new UnsupportedOperationException("pages are written with their row count");
    }

    @Override
    public void writePage(BytesInput bytes, int valueCount, int rowCount, Statistics<?> statistics, Encoding rl,
        Encoding dl, Encoding values) throws IOException {
      byte[] raw = bytes.toByteArray();
      byte[] body = raw;
      int bodyLength = raw.length;
      if (compressor != null) {
        body = new byte[compressor.maxCompressedLength(raw.length)];
        bodyLength = compressor.compress(raw, 0, raw.length, body, 0, body.length);
      }
      PageHeader header = new PageHeader(PageType.DATA_PAGE, raw.length, bodyLength);
      header.setData_page_header(new DataPageHeader(valueCount, format(values), format(dl), format(rl)));
      ByteArrayOutputStream out = new ByteArrayOutputStream(bodyLength + 32);
      Util.writePageHeader(header, out);
      out.write(body, 0, bodyLength);
      byte[] min = null;
      byte[] max = null;
      if (keepBounds && statistics != null && statistics.hasNonNullValue()) {
        min = statistics.getMinBytes();
        max = statistics.getMaxBytes();
        if (min.length > MAX_BOUND_BYTES || max.length > MAX_BOUND_BYTES) {
          min = null;
          max = null;
        }
      }
      long first = nextRow;
      nextRow += rowCount;
      memBytes += out.size();
      try {
        sink.page(out.toByteArray(), first, rowCount, min, max);
      } catch (IOException e) {
        failure = e; // parquet's writer may wrap it; rewrite() reports this one
        throw e;
      }
    }

    @Override
    public void writePage(BytesInput bytes, int valueCount, int rowCount, Statistics<?> statistics,
        SizeStatistics sizeStatistics, Encoding rl, Encoding dl, Encoding values) throws IOException {
      writePage(bytes, valueCount, rowCount, statistics, rl, dl, values);
    }

    @Override
    public void writePage(BytesInput bytes, int valueCount, int rowCount, Statistics<?> statistics,
        SizeStatistics sizeStatistics, GeospatialStatistics geospatialStatistics, Encoding rl, Encoding dl,
        Encoding values) throws IOException {
      writePage(bytes, valueCount, rowCount, statistics, rl, dl, values);
    }

    @Override
    public void writePageV2(int rowCount, int nullCount, int valueCount, BytesInput repetitionLevels,
        BytesInput definitionLevels, Encoding dataEncoding, BytesInput data, Statistics<?> statistics) {
      throw new UnsupportedOperationException("re-paged chunks are written with v1 pages");
    }

    @Override
    public void close() {}

    @Override
    public long getMemSize() {
      return 0; // every page leaves for the sink at once
    }

    @Override
    public long allocatedSize() {
      return 0;
    }

    @Override
    public void writeDictionaryPage(DictionaryPage dictionaryPage) {
      throw new UnsupportedOperationException("re-paged chunks have no dictionary");
    }

    @Override
    public String memUsageString(String prefix) {
      return prefix + " re-paged " + column + ": " + memBytes + " bytes written";
    }

    private static org.apache.parquet.format.Encoding format(Encoding encoding) {
      return org.apache.parquet.format.Encoding.valueOf(encoding.name());
    }
  }

  /** The codec re-paged pages of a chunk stored with {@code sourceCodec} are written with. */
  static CompressionCodec outputCodec(RepagingConfig.PageCodec choice, CompressionCodec sourceCodec) {
    return switch (choice) {
      case UNCOMPRESSED -> CompressionCodec.UNCOMPRESSED;
      case SNAPPY -> CompressionCodec.SNAPPY;
      case ZSTD -> CompressionCodec.ZSTD;
      case AS_SOURCE -> sourceCodec == CompressionCodec.SNAPPY || sourceCodec == CompressionCodec.ZSTD
          ? sourceCodec : CompressionCodec.UNCOMPRESSED;
    };
  }
}
