package io.needle.bench.jmh;

import io.needle.client.Row;
import io.needle.decode.AnswerHeader;
import io.needle.decode.DecodeException;
import io.needle.decode.FileSchema;
import io.needle.decode.PageSegments;
import io.needle.decode.RowGroupDecoder;
import io.needle.protocol.proto.Codec;
import io.needle.protocol.proto.ColumnPages;
import io.needle.protocol.proto.DataPage;
import io.needle.protocol.proto.FileResult;
import io.needle.protocol.proto.LookupResponse;
import io.needle.protocol.proto.RowGroupPages;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.apache.parquet.bytes.HeapByteBufferAllocator;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.values.ValuesWriter;
import org.apache.parquet.column.values.bytestreamsplit.ByteStreamSplitValuesWriter;
import org.apache.parquet.column.values.delta.DeltaBinaryPackingValuesWriterForLong;
import org.apache.parquet.column.values.deltalengthbytearray.DeltaLengthByteArrayValuesWriter;
import org.apache.parquet.column.values.deltastrings.DeltaByteArrayWriter;
import org.apache.parquet.column.values.dictionary.DictionaryValuesWriter;
import org.apache.parquet.column.values.plain.PlainValuesWriter;
import org.apache.parquet.format.DataPageHeader;
import org.apache.parquet.format.DictionaryPageHeader;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.PageType;
import org.apache.parquet.format.Util;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageTypeParser;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Decoding one value at one row of a page, per encoding, through the client's row decoder
 * ({@link RowGroupDecoder#decodeRows}, what a lookup runs on the pages of a response; public,
 * though in the {@code decode} module): INT64, DOUBLE and string columns, every encoding Parquet
 * defines for them but the deprecated BIT_PACKED/PLAIN_DICTIONARY pair.
 *
 * <p>Why hand-made pages: parquet-java's writer never writes DELTA_LENGTH_BYTE_ARRAY pages and
 * ties DELTA_* to v2 pages, so written files would vary the page format with the encoding. Here
 * every page is a v1 data page of {@value #VALUES} values of one required column, UNCOMPRESSED
 * (decompression is {@link PageCodecBenchmarks}), its values encoded by parquet-column's own
 * writers; the dictionary cases add a PLAIN dictionary page. Values per type are the same for
 * every encoding: drawn (seeded) from {@value #DISTINCT} distinct ones (timestamps, scores,
 * segment names sharing prefixes). Only the encoding varies.
 *
 * <p>The client reads PLAIN and dictionary pages of flat columns straight at the row (its fast
 * path); other encodings go through parquet's column reader, which decodes from the page start
 * to the row, so {@code row} matters there: 500 is the middle of the page.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DecodeBenchmarks {
  static final int VALUES = 1000;
  static final int DISTINCT = 128;
  private static final String CREATED_BY = "parquet-mr version 1.18.1 (build needle-jmh)";

  /** Physical type and encoding of the page. */
  public enum Case {
    INT64_PLAIN, INT64_RLE_DICTIONARY, INT64_DELTA_BINARY_PACKED, INT64_BYTE_STREAM_SPLIT,
    DOUBLE_PLAIN, DOUBLE_RLE_DICTIONARY, DOUBLE_BYTE_STREAM_SPLIT,
    STRING_PLAIN, STRING_RLE_DICTIONARY, STRING_DELTA_LENGTH_BYTE_ARRAY, STRING_DELTA_BYTE_ARRAY;

    String type() {
      return name().substring(0, name().indexOf('_'));
    }

    Encoding encoding() {
      return Encoding.valueOf(name().substring(name().indexOf('_') + 1));
    }
  }

  @Param({"INT64_PLAIN", "INT64_RLE_DICTIONARY", "INT64_DELTA_BINARY_PACKED", "INT64_BYTE_STREAM_SPLIT",
      "DOUBLE_PLAIN", "DOUBLE_RLE_DICTIONARY", "DOUBLE_BYTE_STREAM_SPLIT",
      "STRING_PLAIN", "STRING_RLE_DICTIONARY", "STRING_DELTA_LENGTH_BYTE_ARRAY", "STRING_DELTA_BYTE_ARRAY"})
  Case encoding;

  @Param("500")
  int row;

  private RowGroupDecoder<Row> decoder;
  private AnswerHeader answer;
  private PageSegments segments;
  private long[] rows;
  private Object expected;
  private Object decoded;

  @Setup(Level.Trial)
  public void setUp() throws IOException, DecodeException {
    if (row < 0 || row >= VALUES) {
      throw new IllegalArgumentException("row must be in 0.." + (VALUES - 1) + ": " + row);
    }
    Object[] values = values(encoding.type());
    String column = switch (encoding.type()) {
      case "INT64" -> "required int64 v;";
      case "DOUBLE" -> "required double v;";
      default -> "required binary v (STRING);";
    };
    decoder = RowGroupDecoder.forRows(
        FileSchema.of(MessageTypeParser.parseMessageType("message m { " + column + " }"), CREATED_BY), List.of("v"), Row::of);
    List<ByteBuffer> segments = new ArrayList<>();
    ColumnPages.Builder pages = ColumnPages.newBuilder().setLeaf(0).setCodec(Codec.UNCOMPRESSED).setDictionaryPage(-1);
    ValuesWriter writer = writer(encoding);
    for (Object v : values) {
      write(writer, v);
    }
    byte[] body = writer.getBytes().toByteArray();
    if (writer instanceof DictionaryValuesWriter dictionary) {
      DictionaryPage page = dictionary.toDictPageAndClose();
      byte[] dictBody = page.getBytes().toByteArray();
      PageHeader h = new PageHeader(PageType.DICTIONARY_PAGE, dictBody.length, dictBody.length);
      h.setDictionary_page_header(new DictionaryPageHeader(page.getDictionarySize(), format(page.getEncoding())));
      pages.setDictionaryPage(segments.size());
      segments.add(segment(h, dictBody));
    }
    if (!writer.getEncoding().equals(encoding.encoding())) {
      throw new IllegalStateException(encoding + ": parquet-column wrote " + writer.getEncoding());
    }
    PageHeader h = new PageHeader(PageType.DATA_PAGE, body.length, body.length);
    h.setData_page_header(new DataPageHeader(VALUES, format(writer.getEncoding()),
        org.apache.parquet.format.Encoding.RLE, org.apache.parquet.format.Encoding.RLE));
    pages.addDataPages(DataPage.newBuilder().setPage(segments.size()).setFirstRow(0));
    segments.add(segment(h, body));
    RowGroupPages rowGroup = RowGroupPages.newBuilder().setRowGroup(0).setRowCount(VALUES).addColumns(pages).build();
    answer = AnswerHeader.parse(LookupResponse.newBuilder().addFiles(FileResult.newBuilder().addRowGroups(rowGroup))
        .build().toByteArray());
    this.segments = PageSegments.copyOf(segments, false);
    rows = new long[] {row};
    expected = values[row];
    Object first = decodeOneValue();
    if (!first.equals(expected)) {
      throw new IllegalStateException(encoding + " row " + row + ": decoded " + first + ", wrote " + expected);
    }
  }

  /** The value written at {@code row}, which {@link #decodeOneValue} must return (for the smoke test). */
  Object expected() {
    return expected;
  }

  @Benchmark
  public Object decodeOneValue() throws DecodeException {
    decoder.decodeRows(answer, 0, segments, rows, (ordinal, r, value) -> decoded = value.get(0));
    return decoded;
  }

  /** A value column of the given type: {@value #VALUES} draws from {@value #DISTINCT} distinct values. */
  static Object[] values(String type) {
    SplittableRandom random = new SplittableRandom(42);
    Object[] pool = new Object[DISTINCT];
    for (int i = 0; i < DISTINCT; i++) {
      pool[i] = switch (type) {
        case "INT64" -> 1_700_000_000_000L + random.nextLong(86_400_000L * 365);
        case "DOUBLE" -> Math.round(random.nextDouble() * 1_000_000) / 100.0;
        default -> String.format(Locale.ROOT, "segment/%s/%05d", List.of("eu", "us", "apac").get(i % 3),
            random.nextInt(100_000));
      };
    }
    Object[] values = new Object[VALUES];
    for (int i = 0; i < VALUES; i++) {
      values[i] = pool[random.nextInt(DISTINCT)];
    }
    return values;
  }

  private static ValuesWriter writer(Case c) {
    HeapByteBufferAllocator heap = new HeapByteBufferAllocator();
    int size = 64 * 1024;
    return switch (c) {
      case INT64_PLAIN, DOUBLE_PLAIN, STRING_PLAIN -> new PlainValuesWriter(size, size, heap);
      case INT64_RLE_DICTIONARY -> new DictionaryValuesWriter.PlainLongDictionaryValuesWriter(size,
          Encoding.RLE_DICTIONARY, Encoding.PLAIN, heap);
      case DOUBLE_RLE_DICTIONARY -> new DictionaryValuesWriter.PlainDoubleDictionaryValuesWriter(size,
          Encoding.RLE_DICTIONARY, Encoding.PLAIN, heap);
      case STRING_RLE_DICTIONARY -> new DictionaryValuesWriter.PlainBinaryDictionaryValuesWriter(size,
          Encoding.RLE_DICTIONARY, Encoding.PLAIN, heap);
      case INT64_DELTA_BINARY_PACKED -> new DeltaBinaryPackingValuesWriterForLong(size, size, heap);
      case INT64_BYTE_STREAM_SPLIT -> new ByteStreamSplitValuesWriter.LongByteStreamSplitValuesWriter(size, size, heap);
      case DOUBLE_BYTE_STREAM_SPLIT ->
          new ByteStreamSplitValuesWriter.DoubleByteStreamSplitValuesWriter(size, size, heap);
      case STRING_DELTA_LENGTH_BYTE_ARRAY -> new DeltaLengthByteArrayValuesWriter(size, size, heap);
      case STRING_DELTA_BYTE_ARRAY -> new DeltaByteArrayWriter(size, size, heap);
    };
  }

  private static void write(ValuesWriter writer, Object v) {
    switch (v) {
      case Long l -> writer.writeLong(l);
      case Double d -> writer.writeDouble(d);
      case String s -> writer.writeBytes(Binary.fromConstantByteArray(s.getBytes(StandardCharsets.UTF_8)));
      default -> throw new IllegalArgumentException("unexpected value " + v);
    }
  }

  private static org.apache.parquet.format.Encoding format(Encoding e) {
    return org.apache.parquet.format.Encoding.valueOf(e.name());
  }

  private static ByteBuffer segment(PageHeader header, byte[] body) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Util.writePageHeader(header, out);
    out.write(body);
    return ByteBuffer.wrap(out.toByteArray());
  }
}
