package io.needle.decode;

import io.needle.protocol.proto.Codec;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.page.DataPage;
import org.apache.parquet.column.page.DataPageV1;
import org.apache.parquet.column.page.DataPageV2;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.format.DataPageHeader;
import org.apache.parquet.format.DataPageHeaderV2;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.PageType;
import org.apache.parquet.schema.PrimitiveType;
import shaded.parquet.org.apache.thrift.TConfiguration;
import shaded.parquet.org.apache.thrift.TException;
import shaded.parquet.org.apache.thrift.protocol.TCompactProtocol;
import shaded.parquet.org.apache.thrift.transport.TTransport;
import shaded.parquet.org.apache.thrift.transport.TTransportException;

import java.nio.ByteBuffer;
import java.util.zip.CRC32;

/**
 * One page segment of a response: its Thrift header parsed eagerly (value counts are needed before
 * decoding starts), its body decompressed lazily, once, on first use.
 *
 * <p>Layout of a segment: [Thrift-compact PageHeader][compressed_page_size bytes of body]. For a
 * V2 data page the body starts with the repetition then definition levels, never compressed,
 * followed by the values, compressed unless {@code is_compressed} is false. The header's CRC32,
 * when present, covers the body as stored and is checked before anything is decompressed.
 *
 * <p>Not thread-safe: one instance belongs to one {@code decode} call.
 */
final class ParsedPage {
  private final int index;
  private final PageHeader header;
  /** The segment's array when it is on the heap; null for a direct segment (then {@link #buffer}). */
  private final byte[] stored;
  /** A direct segment's buffer, owned by this page's decode call (its position and limit are ours). */
  private final ByteBuffer buffer;
  /** Index of the body's first byte: in {@link #stored}, or absolute in {@link #buffer}. */
  private final int bodyOffset;
  private final int bodyLength;
  private byte[] body; // decompressed, lazily
  private long decompressNanos;
  private byte[] partial; // a SNAPPY body being decompressed as far as needed (see dataBodyPrefix)
  private SnappyPrefix partialStream;

  private ParsedPage(int index, PageHeader header, byte[] stored, ByteBuffer buffer, int bodyOffset, int bodyLength) {
    this.index = index;
    this.header = header;
    this.stored = stored;
    this.buffer = buffer;
    this.bodyOffset = bodyOffset;
    this.bodyLength = bodyLength;
  }

  /** A segment on its own buffer (read from its position to its limit, which stay as they are). */
  static ParsedPage parse(int index, ByteBuffer segment) throws DecodeException {
    if (segment.hasArray()) {
      return parse(index, segment.array(), null, segment.arrayOffset() + segment.position(),
          segment.arrayOffset() + segment.limit(), new HeaderInput());
    }
    return parse(index, null, segment.duplicate(), segment.position(), segment.limit(), new HeaderInput());
  }

  /**
   * What one decode call uses to read the pages of a response: a duplicate of a direct buffer
   * (for the APIs that need a position and limit; null on the heap) and one Thrift input for every
   * page header. Made once per call, not per page; not thread-safe.
   */
  static final class Reader {
    private final PageSegments segments;
    private final ByteBuffer owned;
    private final HeaderInput headers = new HeaderInput();

    Reader(PageSegments segments) {
      this.segments = segments;
      this.owned = segments.bytes().hasArray() ? null : segments.bytes().duplicate();
    }

    /** Segment {@code index} of the response, read in place: the heap array or the direct memory. */
    ParsedPage parse(int index) throws DecodeException {
      ByteBuffer bytes = segments.bytes();
      int start = segments.start(index);
      int end = start + segments.length(index);
      if (owned == null) {
        return ParsedPage.parse(index, bytes.array(), null, bytes.arrayOffset() + start, bytes.arrayOffset() + end,
            headers);
      }
      return ParsedPage.parse(index, null, owned, start, end, headers);
    }
  }

  /** A Thrift transport and compact protocol, pointed at one page header after another. */
  private static final class HeaderInput {
    private final SegmentTransport transport = new SegmentTransport();
    private final TCompactProtocol protocol = new TCompactProtocol(transport);

    PageHeader read(byte[] data, ByteBuffer direct, int from, int to) throws TException {
      transport.reset(data, direct, from, to);
      protocol.reset();
      PageHeader header = new PageHeader();
      header.read(protocol);
      return header;
    }
  }

  private static ParsedPage parse(int index, byte[] stored, ByteBuffer buffer, int start, int end, HeaderInput input)
      throws DecodeException {
    PageHeader header;
    try {
      header = input.read(stored, buffer, start, end);
    } catch (TException | RuntimeException e) {
      throw corrupt(index, "unreadable page header: " + e.getMessage(), e);
    }
    int offset = input.transport.position();
    int headerBytes = offset - start;
    int bodyLength = header.getCompressed_page_size();
    if (bodyLength < 0 || bodyLength > end - offset) {
      throw corrupt(index, "compressed_page_size " + bodyLength + " but the segment has " + (end - offset)
          + " bytes after its " + headerBytes + "-byte header", null);
    }
    if (header.getUncompressed_page_size() < 0 || header.getUncompressed_page_size() > PageDecompressor.MAX_PAGE_BYTES) {
      throw corrupt(index, "uncompressed_page_size " + header.getUncompressed_page_size() + " is out of range", null);
    }
    if (header.isSetCrc()) {
      CRC32 crc = new CRC32();
      if (stored != null) {
        crc.update(stored, offset, bodyLength);
      } else {
        crc.update(buffer.clear().position(offset).limit(offset + bodyLength)); // reads the direct memory in place
        buffer.clear(); // absolute reads are bounded by the limit: give it back the whole buffer
      }
      if ((int) crc.getValue() != header.getCrc()) {
        throw corrupt(index, "page CRC32 mismatch: header says " + Integer.toHexString(header.getCrc())
            + ", body has " + Long.toHexString(crc.getValue()), null);
      }
    }
    return new ParsedPage(index, header, stored, buffer, offset, bodyLength);
  }

  PageType type() {
    return header.getType();
  }

  boolean isData() {
    return header.getType() == PageType.DATA_PAGE || header.getType() == PageType.DATA_PAGE_V2;
  }

  /** Values (levels included: nulls and list entries count) of a data page. */
  int valueCount() throws DecodeException {
    int n = switch (header.getType()) {
      case DATA_PAGE -> requireV1().getNum_values();
      case DATA_PAGE_V2 -> requireV2().getNum_values();
      default -> throw corrupt(index, "expected a data page, found " + header.getType(), null);
    };
    if (n < 0) {
      throw corrupt(index, "negative value count " + n, null);
    }
    return n;
  }

  DictionaryPage dictionaryPage(Codec codec) throws DecodeException {
    if (header.getType() != PageType.DICTIONARY_PAGE || !header.isSetDictionary_page_header()) {
      throw corrupt(index, "expected a dictionary page, found " + header.getType(), null);
    }
    int entries = header.getDictionary_page_header().getNum_values();
    if (entries < 0) {
      throw corrupt(index, "negative dictionary size " + entries, null);
    }
    byte[] raw = decompressed(codec, 0);
    return new DictionaryPage(BytesInput.from(raw), raw.length, entries,
        encoding(header.getDictionary_page_header().getEncoding()));
  }

  /**
   * @param firstRow row index of the page's first row, or -1 when unknown
   * @param rowCount rows in the page (an upper bound is safe), ignored when firstRow is -1
   */
  DataPage dataPage(Codec codec, PrimitiveType type, long firstRow, int rowCount) throws DecodeException {
    Statistics<?> noStatistics = Statistics.getBuilderForReading(type).build();
    if (header.getType() == PageType.DATA_PAGE) {
      DataPageHeader h = requireV1();
      byte[] raw = decompressed(codec, 0);
      Encoding rl = encoding(h.getRepetition_level_encoding());
      Encoding dl = encoding(h.getDefinition_level_encoding());
      Encoding values = encoding(h.getEncoding());
      if (firstRow < 0) {
        return new DataPageV1(BytesInput.from(raw), h.getNum_values(), raw.length, noStatistics, rl, dl, values);
      }
      return new DataPageV1(BytesInput.from(raw), h.getNum_values(), raw.length, firstRow, rowCount, noStatistics, rl, dl, values);
    }
    DataPageHeaderV2 h = requireV2();
    int levelBytes = h.getRepetition_levels_byte_length() + h.getDefinition_levels_byte_length();
    byte[] raw = decompressed(codec, levelBytes);
    int rlBytes = h.getRepetition_levels_byte_length();
    int dlBytes = h.getDefinition_levels_byte_length();
    BytesInput rl = BytesInput.from(raw, 0, rlBytes);
    BytesInput dl = BytesInput.from(raw, rlBytes, dlBytes);
    BytesInput data = BytesInput.from(raw, levelBytes, raw.length - levelBytes);
    if (h.getNum_rows() < 0 || h.getNum_nulls() < 0) {
      throw corrupt(index, "negative row or null count in a V2 header", null);
    }
    Encoding values = encoding(h.getEncoding());
    if (firstRow < 0) {
      return DataPageV2.uncompressed(h.getNum_rows(), h.getNum_nulls(), h.getNum_values(), rl, dl, values, data, noStatistics);
    }
    return DataPageV2.uncompressed(h.getNum_rows(), h.getNum_nulls(), h.getNum_values(), firstRow, rl, dl, values, data,
        noStatistics);
  }

  /** True for a DATA_PAGE_V2 (levels before the values, outside the compression). */
  boolean isV2() {
    return header.getType() == PageType.DATA_PAGE_V2;
  }

  /** The values' encoding of a data page (the header's, as Thrift has it). */
  org.apache.parquet.format.Encoding valueEncoding() throws DecodeException {
    return isV2() ? requireV2().getEncoding() : requireV1().getEncoding();
  }

  /** The definition levels' encoding of a V1 data page. */
  org.apache.parquet.format.Encoding definitionLevelEncoding() throws DecodeException {
    return requireV1().getDefinition_level_encoding();
  }

  /** The repetition levels' encoding of a V1 data page. */
  org.apache.parquet.format.Encoding repetitionLevelEncoding() throws DecodeException {
    return requireV1().getRepetition_level_encoding();
  }

  /** Bytes of repetition levels at the start of a V2 page's body. */
  int v2RepetitionLevelBytes() throws DecodeException {
    return requireV2().getRepetition_levels_byte_length();
  }

  /** Bytes of definition levels after the repetition levels of a V2 page's body. */
  int v2DefinitionLevelBytes() throws DecodeException {
    return requireV2().getDefinition_levels_byte_length();
  }

  /**
   * A data page's body of which at least the first {@code minBytes} (or all, if fewer) are
   * decompressed; later bytes of the array may not be yet. For a point lookup on a SNAPPY page,
   * this decompresses only up to the row it reads; other codecs decompress the whole body at once.
   * The array's length is the whole body's; call again with a larger {@code minBytes} before
   * reading further (the same array is returned, grown in place).
   */
  byte[] dataBodyPrefix(Codec codec, int minBytes) throws DecodeException {
    if (body != null) {
      return body;
    }
    if (codec != Codec.SNAPPY || !isCompressed()) {
      return dataBody(codec);
    }
    long started = System.nanoTime();
    if (partialStream == null) {
      int plainPrefix = 0; // V2: levels are stored uncompressed before the values
      if (isV2()) {
        plainPrefix = requireV2().getRepetition_levels_byte_length() + requireV2().getDefinition_levels_byte_length();
      } else {
        requireV1();
      }
      int uncompressed = header.getUncompressed_page_size();
      if (plainPrefix < 0 || plainPrefix > bodyLength || plainPrefix > uncompressed
          || uncompressed - plainPrefix == 0) {
        return dataBody(codec); // levels only, or inconsistent sizes: the whole-body path checks and reports
      }
      partial = new byte[uncompressed];
      copyStored(0, partial, 0, plainPrefix);
      partialStream = stored != null
          ? new SnappyPrefix(stored, bodyOffset + plainPrefix, bodyLength - plainPrefix, partial, plainPrefix)
          : new SnappyPrefix(buffer, bodyOffset + plainPrefix, bodyLength - plainPrefix, partial, plainPrefix);
    }
    partialStream.ensure(minBytes);
    decompressNanos += System.nanoTime() - started;
    if (partialStream.done()) {
      body = partial;
    }
    return partial;
  }

  /** Bytes of the data body decompressed so far (all of it once the body is complete). */
  int availableBytes() {
    return body != null ? body.length : partialStream != null ? partialStream.available() : 0;
  }

  private boolean isCompressed() {
    return header.getType() != PageType.DATA_PAGE_V2 || !header.getData_page_header_v2().isSetIs_compressed()
        || header.getData_page_header_v2().isIs_compressed();
  }

  /** A data page's whole body, decompressed once (V2: levels first, as stored). */
  byte[] dataBody(Codec codec) throws DecodeException {
    if (isV2()) {
      DataPageHeaderV2 h = requireV2();
      return decompressed(codec, h.getRepetition_levels_byte_length() + h.getDefinition_levels_byte_length());
    }
    requireV1();
    return decompressed(codec, 0);
  }

  /** True for a dictionary page. */
  boolean isDictionary() {
    return header.getType() == PageType.DICTIONARY_PAGE && header.isSetDictionary_page_header();
  }

  /** The encoding of a dictionary page's entries; call only when {@link #isDictionary}. */
  org.apache.parquet.format.Encoding dictionaryEncoding() {
    return header.getDictionary_page_header().getEncoding();
  }

  /** Entries of a dictionary page; call only when {@link #isDictionary}. */
  int dictionaryEntryCount() throws DecodeException {
    int entries = header.getDictionary_page_header().getNum_values();
    if (entries < 0) {
      throw corrupt(index, "negative dictionary size " + entries, null);
    }
    return entries;
  }

  /** A dictionary page's body, decompressed once. */
  byte[] dictionaryBody(Codec codec) throws DecodeException {
    if (!isDictionary()) {
      throw corrupt(index, "expected a dictionary page, found " + header.getType(), null);
    }
    return decompressed(codec, 0);
  }

  /** The body decompressed; the first {@code plainPrefix} bytes are stored uncompressed (V2 levels). */
  /** Time spent decompressing this page's body (0 until it is first used). */
  long decompressNanos() {
    return decompressNanos;
  }

  private byte[] decompressed(Codec codec, int plainPrefix) throws DecodeException {
    if (body != null) {
      return body;
    }
    long started = System.nanoTime();
    byte[] out;
    if (partialStream != null) {
      partialStream.ensure(Integer.MAX_VALUE); // finish what a prefix read started
      out = partial;
    } else {
      out = decompress(codec, plainPrefix);
    }
    decompressNanos += System.nanoTime() - started;
    body = out;
    return out;
  }

  private byte[] decompress(Codec codec, int plainPrefix) throws DecodeException {
    int uncompressed = header.getUncompressed_page_size();
    if (plainPrefix < 0 || plainPrefix > bodyLength || plainPrefix > uncompressed) {
      throw corrupt(index, "level bytes " + plainPrefix + " exceed the page (" + bodyLength + " stored, "
          + uncompressed + " uncompressed)", null);
    }
    boolean compressed = header.getType() != PageType.DATA_PAGE_V2 || !header.getData_page_header_v2().isSetIs_compressed()
        || header.getData_page_header_v2().isIs_compressed();
    int valuesStored = bodyLength - plainPrefix;
    int valuesUncompressed = uncompressed - plainPrefix;
    byte[] out;
    if (!compressed || codec == Codec.UNCOMPRESSED) {
      if (bodyLength != uncompressed) {
        throw corrupt(index, "uncompressed page stores " + bodyLength + " bytes but declares " + uncompressed, null);
      }
      out = new byte[uncompressed];
      copyStored(0, out, 0, uncompressed);
    } else if (valuesUncompressed == 0) {
      // Only levels (or nothing): writers differ in what they store for an empty compressed part.
      out = new byte[uncompressed];
      copyStored(0, out, 0, uncompressed);
    } else if (plainPrefix == 0) {
      out = decompressStored(codec, 0, bodyLength, uncompressed);
    } else {
      byte[] values = decompressStored(codec, plainPrefix, valuesStored, valuesUncompressed);
      out = new byte[uncompressed];
      copyStored(0, out, 0, plainPrefix);
      System.arraycopy(values, 0, out, plainPrefix, values.length);
    }
    return out;
  }

  /** Copies {@code length} stored bytes from {@code from} bytes into the body (levels, uncompressed pages). */
  private void copyStored(int from, byte[] out, int outOffset, int length) {
    if (stored != null) {
      System.arraycopy(stored, bodyOffset + from, out, outOffset, length);
    } else {
      buffer.get(bodyOffset + from, out, outOffset, length);
    }
  }

  private byte[] decompressStored(Codec codec, int from, int length, int uncompressed) throws DecodeException {
    return stored != null
        ? PageDecompressor.decompress(codec, stored, bodyOffset + from, length, uncompressed)
        : PageDecompressor.decompress(codec, buffer, bodyOffset + from, length, uncompressed);
  }

  private DataPageHeader requireV1() throws DecodeException {
    if (!header.isSetData_page_header()) {
      throw corrupt(index, "DATA_PAGE without data_page_header", null);
    }
    return header.getData_page_header();
  }

  private DataPageHeaderV2 requireV2() throws DecodeException {
    if (!header.isSetData_page_header_v2()) {
      throw corrupt(index, "DATA_PAGE_V2 without data_page_header_v2", null);
    }
    return header.getData_page_header_v2();
  }

  private Encoding encoding(org.apache.parquet.format.Encoding encoding) throws DecodeException {
    if (encoding == null) {
      throw corrupt(index, "page header without an encoding", null);
    }
    try {
      return Encoding.valueOf(encoding.name());
    } catch (IllegalArgumentException e) {
      throw new DecodeException(DecodeException.Kind.UNSUPPORTED, "page " + index + " uses encoding " + encoding, e);
    }
  }

  private static DecodeException corrupt(int index, String why, Throwable cause) {
    return new DecodeException(DecodeException.Kind.CORRUPT, "page " + index + ": " + why, cause);
  }

  /**
   * Thrift input straight from the segment's bytes, a heap array or a direct buffer read by
   * absolute index. Why not parquet's {@code Util.readPageHeader}: it reads through an
   * InputStream one call per byte and then validates with messages formatted eagerly, together
   * about a quarter of a warm lookup's client time (measured). The checks that matter here
   * (sizes, counts) are made by the callers; lengths inside the header are bounded by
   * {@link #checkReadBytesAvailable}, so no allocation follows an untrusted length. Over a direct
   * buffer it offers no array, so Thrift takes its {@link #read} path for every field.
   */
  private static final class SegmentTransport extends TTransport {
    private byte[] data;
    private ByteBuffer direct;
    private int end;
    private int position;

    void reset(byte[] data, ByteBuffer direct, int from, int to) {
      this.data = data;
      this.direct = direct;
      this.position = from;
      this.end = to;
    }

    int position() {
      return position;
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void open() {}

    @Override
    public void close() {}

    @Override
    public int read(byte[] buffer, int offset, int length) throws TTransportException {
      int n = Math.min(length, end - position);
      if (n <= 0) {
        throw new TTransportException(TTransportException.END_OF_FILE, "page header runs past its segment");
      }
      if (data != null) {
        System.arraycopy(data, position, buffer, offset, n);
      } else {
        direct.get(position, buffer, offset, n);
      }
      position += n;
      return n;
    }

    @Override
    public void write(byte[] buffer, int offset, int length) {
      throw new UnsupportedOperationException("read-only");
    }

    @Override
    public byte[] getBuffer() {
      return data;
    }

    @Override
    public int getBufferPosition() {
      return position;
    }

    @Override
    public int getBytesRemainingInBuffer() {
      return data != null ? end - position : -1;
    }

    @Override
    public void consumeBuffer(int length) {
      position += length;
    }

    @Override
    public TConfiguration getConfiguration() {
      return TConfiguration.DEFAULT;
    }

    @Override
    public void updateKnownMessageSize(long size) {}

    @Override
    public void checkReadBytesAvailable(long bytes) throws TTransportException {
      if (bytes > end - position) {
        throw new TTransportException(TTransportException.END_OF_FILE, "a length of " + bytes
            + " in the page header runs past its segment");
      }
    }
  }
}
