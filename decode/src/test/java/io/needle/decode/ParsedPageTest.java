package io.needle.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.CRC32;
import org.apache.parquet.format.DataPageHeader;
import org.apache.parquet.format.Encoding;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.PageType;
import org.apache.parquet.format.Statistics;
import org.apache.parquet.format.Util;
import org.junit.jupiter.api.Test;

/**
 * Page segments parsed by {@link ParsedPage}'s own Thrift input, against parquet-format's reader
 * (the oracle for well-formed headers), and on truncated, bit-flipped and lying headers, which
 * must give a typed {@link DecodeException} and never another exception or a huge allocation.
 */
class ParsedPageTest {
  private static final byte[] BODY = "twelve bytes".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  @Test
  void readsWhatParquetWritesFromHeapAndDirectSegments() throws Exception {
    byte[] segment = segment(header(BODY.length, new Statistics().setMin_value(new byte[] {1, 2}).setNull_count(0)));
    PageHeader oracle = Util.readPageHeader(new ByteArrayInputStream(segment));
    for (ByteBuffer buffer : new ByteBuffer[] {heapAt(segment, 7), direct(segment)}) {
      ParsedPage page = ParsedPage.parse(0, buffer);
      assertThat(page.isData()).isTrue();
      assertThat(page.valueCount()).isEqualTo(oracle.getData_page_header().getNum_values());
      assertThat(page.valueEncoding()).isEqualTo(oracle.getData_page_header().getEncoding());
      assertThat(page.dataBody(io.needle.protocol.proto.Codec.UNCOMPRESSED)).isEqualTo(BODY);
    }
  }

  @Test
  void pagesOfOneDirectBufferReadInPlaceOneAfterAnotherWithTheirChecksums() throws Exception {
    // Regression: a CRC checked through the call's own view left its limit at the first page's
    // end, and the next page's absolute reads failed as "out of bounds".
    CRC32 crc = new CRC32();
    crc.update(BODY);
    PageHeader checked = header(BODY.length, null).setCrc((int) crc.getValue());
    byte[] segment = segment(checked);
    PageHeader lying = header(BODY.length, null).setCrc((int) crc.getValue() ^ 1);
    for (boolean direct : new boolean[] {false, true}) {
      PageSegments pages = PageSegments.copyOf(List.of(ByteBuffer.wrap(segment), ByteBuffer.wrap(segment),
          ByteBuffer.wrap(segment(lying))), direct);
      ParsedPage.Reader reader = new ParsedPage.Reader(pages);
      for (int i = 0; i < 2; i++) {
        ParsedPage page = reader.parse(i);
        assertThat(page.valueCount()).isEqualTo(3);
        assertThat(page.dataBody(io.needle.protocol.proto.Codec.UNCOMPRESSED)).as("page %d, direct %s", i, direct)
            .isEqualTo(BODY);
      }
      Throwable error = catchThrowable(() -> reader.parse(2));
      assertThat(error).isInstanceOf(DecodeException.class).hasMessageContaining("CRC32 mismatch");
    }
  }

  @Test
  void everyTruncationIsATypedError() throws Exception {
    byte[] segment = segment(header(BODY.length, null));
    int headerBytes = segment.length - BODY.length;
    for (int cut = 0; cut < segment.length; cut++) {
      byte[] cutSegment = Arrays.copyOf(segment, cut);
      Throwable error = catchThrowable(() -> ParsedPage.parse(3, ByteBuffer.wrap(cutSegment)));
      assertThat(error).as("segment cut to %d of %d bytes (header %d)", cut, segment.length, headerBytes)
          .isInstanceOf(DecodeException.class);
      assertThat(((DecodeException) error).kind()).isEqualTo(DecodeException.Kind.CORRUPT);
    }
  }

  @Test
  void aLengthInsideTheHeaderCannotMakeItAllocate() throws Exception {
    // A statistics min_value whose length says 2 GiB: compact binary = field header, varint length.
    // Allocating it would throw OutOfMemoryError, not a DecodeException.
    byte[] segment = segment(header(BODY.length, new Statistics().setMin_value(new byte[] {9})));
    byte[] lying = lieAboutBinaryLength(segment, (byte) 9);
    Throwable error = catchThrowable(() -> ParsedPage.parse(0, ByteBuffer.wrap(lying)));
    assertThat(error).isInstanceOf(DecodeException.class);
  }

  @Test
  void bitFlipsGiveATypedErrorOrAPage() throws Exception {
    byte[] segment = segment(header(BODY.length, new Statistics().setMax_value(new byte[] {5, 6, 7})));
    SplittableRandom random = new SplittableRandom(11);
    for (int round = 0; round < 5_000; round++) {
      byte[] flipped = segment.clone();
      int at = random.nextInt(segment.length - BODY.length);
      flipped[at] ^= (byte) (1 << random.nextInt(8));
      Throwable error = catchThrowable(() -> ParsedPage.parse(0, ByteBuffer.wrap(flipped)));
      if (error != null) {
        assertThat(error).as("flip at byte %d", at).isInstanceOf(DecodeException.class);
      }
    }
  }

  private static PageHeader header(int bodyLength, Statistics statistics) {
    DataPageHeader data = new DataPageHeader(3, Encoding.PLAIN, Encoding.RLE, Encoding.RLE);
    if (statistics != null) {
      data.setStatistics(statistics);
    }
    PageHeader header = new PageHeader(PageType.DATA_PAGE, bodyLength, bodyLength);
    header.setData_page_header(data);
    return header;
  }

  private static byte[] segment(PageHeader header) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Util.writePageHeader(header, out);
    out.write(BODY);
    return out.toByteArray();
  }

  /** The segment with the varint length before the one-byte binary {@code value} replaced by 2^31 - 1. */
  private static byte[] lieAboutBinaryLength(byte[] segment, byte value) {
    for (int i = 1; i < segment.length; i++) {
      if (segment[i] == value && segment[i - 1] == 1) {
        byte[] varint = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07}; // Integer.MAX_VALUE
        byte[] out = new byte[segment.length + varint.length - 1];
        System.arraycopy(segment, 0, out, 0, i - 1);
        System.arraycopy(varint, 0, out, i - 1, varint.length);
        System.arraycopy(segment, i, out, i - 1 + varint.length, segment.length - i);
        return out;
      }
    }
    throw new AssertionError("binary value not found in the header");
  }

  private static ByteBuffer heapAt(byte[] segment, int offset) {
    byte[] padded = new byte[segment.length + offset + 5];
    System.arraycopy(segment, 0, padded, offset, segment.length);
    return ByteBuffer.wrap(padded, offset, segment.length).slice();
  }

  private static ByteBuffer direct(byte[] segment) {
    ByteBuffer buffer = ByteBuffer.allocateDirect(segment.length);
    buffer.put(segment).flip();
    return buffer;
  }
}
