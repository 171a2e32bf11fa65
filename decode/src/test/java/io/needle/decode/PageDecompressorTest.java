package io.needle.decode;

import io.airlift.compress.Compressor;
import io.airlift.compress.lz4.Lz4Compressor;
import io.airlift.compress.snappy.SnappyCompressor;
import io.airlift.compress.zstd.ZstdCompressor;
import io.needle.protocol.proto.Codec;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PageDecompressorTest {
  private static final byte[] PAGE = page();

  private static byte[] page() {
    byte[] b = new byte[20_000];
    Random random = new Random(42);
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) (random.nextInt(16) + (i % 7)); // compressible, not trivial
    }
    return b;
  }

  private static byte[] compress(Compressor compressor, byte[] in) {
    byte[] out = new byte[compressor.maxCompressedLength(in.length)];
    int n = compressor.compress(in, 0, in.length, out, 0, out.length);
    return Arrays.copyOf(out, n);
  }

  private static byte[] gzip(byte[] in, int from, int to) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(in, from, to - from);
    }
    return out.toByteArray();
  }

  @Test
  void roundTripsEveryCodec() throws Exception {
    assertThat(PageDecompressor.decompress(Codec.UNCOMPRESSED, PAGE, 0, PAGE.length, PAGE.length)).isEqualTo(PAGE);
    byte[] snappy = compress(new SnappyCompressor(), PAGE);
    assertThat(PageDecompressor.decompress(Codec.SNAPPY, snappy, 0, snappy.length, PAGE.length)).isEqualTo(PAGE);
    byte[] zstd = compress(new ZstdCompressor(), PAGE);
    assertThat(PageDecompressor.decompress(Codec.ZSTD, zstd, 0, zstd.length, PAGE.length)).isEqualTo(PAGE);
    byte[] lz4 = compress(new Lz4Compressor(), PAGE);
    assertThat(PageDecompressor.decompress(Codec.LZ4_RAW, lz4, 0, lz4.length, PAGE.length)).isEqualTo(PAGE);
    byte[] gz = gzip(PAGE, 0, PAGE.length);
    assertThat(PageDecompressor.decompress(Codec.GZIP, gz, 0, gz.length, PAGE.length)).isEqualTo(PAGE);
  }

  @Test
  void everyCodecDecompressesFromADirectBufferInPlaceAsFromTheHeap() throws Exception {
    byte[] first = compress(new Lz4Compressor(), Arrays.copyOfRange(PAGE, 0, 12_000));
    byte[] second = compress(new Lz4Compressor(), Arrays.copyOfRange(PAGE, 12_000, PAGE.length));
    byte[] hadoopLz4 = ByteBuffer.allocate(8 + first.length + 8 + second.length)
        .putInt(12_000).putInt(first.length).put(first)
        .putInt(PAGE.length - 12_000).putInt(second.length).put(second).array();
    byte[][] bodies = {PAGE, compress(new SnappyCompressor(), PAGE), compress(new ZstdCompressor(), PAGE),
        compress(new Lz4Compressor(), PAGE), gzip(PAGE, 0, PAGE.length), hadoopLz4};
    Codec[] codecs = {Codec.UNCOMPRESSED, Codec.SNAPPY, Codec.ZSTD, Codec.LZ4_RAW, Codec.GZIP, Codec.LZ4};
    for (int i = 0; i < codecs.length; i++) {
      ByteBuffer direct = between(bodies[i], 29, 17);
      assertThat(PageDecompressor.decompress(codecs[i], direct, 29, bodies[i].length, PAGE.length)).as(codecs[i].name())
          .isEqualTo(PageDecompressor.decompress(codecs[i], bodies[i], 0, bodies[i].length, PAGE.length))
          .isEqualTo(PAGE);
    }
  }

  @Test
  void directGarbageBombsAndBoundsAreCorrupt() throws Exception {
    byte[] garbage = new byte[100];
    new Random(7).nextBytes(garbage);
    byte[] zeros = new byte[1_000_000];
    for (Codec codec : new Codec[] {Codec.GZIP, Codec.ZSTD, Codec.SNAPPY, Codec.LZ4_RAW, Codec.LZ4}) {
      byte[] bomb = switch (codec) {
        case GZIP -> gzip(zeros, 0, zeros.length);
        case ZSTD -> compress(new ZstdCompressor(), zeros);
        case SNAPPY -> compress(new SnappyCompressor(), zeros);
        default -> compress(new Lz4Compressor(), zeros);
      };
      for (byte[] body : new byte[][] {garbage, bomb}) {
        ByteBuffer direct = between(body, 3, 5);
        assertThatThrownBy(() -> PageDecompressor.decompress(codec, direct, 3, body.length, 1_000)).as(codec.name())
            .isInstanceOfSatisfying(DecodeException.class, e -> assertThat(e.kind()).isEqualTo(DecodeException.Kind.CORRUPT));
      }
    }
    ByteBuffer small = ByteBuffer.allocateDirect(10);
    assertThatThrownBy(() -> PageDecompressor.decompress(Codec.SNAPPY, small, 4, 7, 100))
        .isInstanceOfSatisfying(DecodeException.class, e -> assertThat(e.kind()).isEqualTo(DecodeException.Kind.CORRUPT));
  }

  /** {@code body} in a direct buffer after {@code before} and followed by {@code after} bytes of 0x55. */
  private static ByteBuffer between(byte[] body, int before, int after) {
    ByteBuffer direct = ByteBuffer.allocateDirect(before + body.length + after);
    for (int i = 0; i < direct.capacity(); i++) {
      direct.put(i, (byte) 0x55);
    }
    return direct.put(before, body);
  }

  @Test
  void readsConcatenatedGzipMembers() throws Exception {
    byte[] a = gzip(PAGE, 0, 7_000);
    byte[] b = gzip(PAGE, 7_000, PAGE.length);
    byte[] both = ByteBuffer.allocate(a.length + b.length).put(a).put(b).array();
    assertThat(PageDecompressor.decompress(Codec.GZIP, both, 0, both.length, PAGE.length)).isEqualTo(PAGE);
  }

  @Test
  void readsHadoopFramedLz4AndBareBlocksUnderLz4() throws Exception {
    byte[] first = compress(new Lz4Compressor(), Arrays.copyOfRange(PAGE, 0, 12_000));
    byte[] second = compress(new Lz4Compressor(), Arrays.copyOfRange(PAGE, 12_000, PAGE.length));
    ByteBuffer framed = ByteBuffer.allocate(8 + first.length + 8 + second.length)
        .putInt(12_000).putInt(first.length).put(first)
        .putInt(PAGE.length - 12_000).putInt(second.length).put(second);
    byte[] hadoop = framed.array();
    assertThat(PageDecompressor.decompress(Codec.LZ4, hadoop, 0, hadoop.length, PAGE.length)).isEqualTo(PAGE);
    byte[] bare = compress(new Lz4Compressor(), PAGE);
    assertThat(PageDecompressor.decompress(Codec.LZ4, bare, 0, bare.length, PAGE.length)).isEqualTo(PAGE);
  }

  @Test
  void rejectsDeclaredSizesAboveTheLimitBeforeAllocating() {
    byte[] snappy = compress(new SnappyCompressor(), PAGE);
    assertThatThrownBy(() -> PageDecompressor.decompress(Codec.SNAPPY, snappy, 0, snappy.length, Integer.MAX_VALUE))
        .isInstanceOfSatisfying(DecodeException.class, e -> assertThat(e.kind()).isEqualTo(DecodeException.Kind.CORRUPT))
        .hasMessageContaining(String.valueOf(Integer.MAX_VALUE));
  }

  @Test
  void rejectsBombsLargerThanDeclared() throws Exception {
    byte[] zeros = new byte[10_000_000];
    for (Codec codec : new Codec[] {Codec.GZIP, Codec.ZSTD, Codec.SNAPPY, Codec.LZ4_RAW, Codec.LZ4}) {
      byte[] bomb = switch (codec) {
        case GZIP -> gzip(zeros, 0, zeros.length);
        case ZSTD -> compress(new ZstdCompressor(), zeros);
        case SNAPPY -> compress(new SnappyCompressor(), zeros);
        default -> compress(new Lz4Compressor(), zeros);
      };
      assertThatThrownBy(() -> PageDecompressor.decompress(codec, bomb, 0, bomb.length, 1_000))
          .as(codec.name())
          .isInstanceOfSatisfying(DecodeException.class, e -> assertThat(e.kind()).isEqualTo(DecodeException.Kind.CORRUPT));
    }
  }

  @Test
  void rejectsGarbageAndShortOutput() {
    byte[] garbage = new byte[100];
    new Random(7).nextBytes(garbage);
    for (Codec codec : new Codec[] {Codec.GZIP, Codec.ZSTD, Codec.SNAPPY, Codec.LZ4_RAW, Codec.LZ4}) {
      assertThatThrownBy(() -> PageDecompressor.decompress(codec, garbage, 0, garbage.length, 5_000))
          .as(codec.name())
          .isInstanceOfSatisfying(DecodeException.class, e -> assertThat(e.kind()).isEqualTo(DecodeException.Kind.CORRUPT));
    }
    byte[] zstd = compress(new ZstdCompressor(), PAGE);
    assertThatThrownBy(() -> PageDecompressor.decompress(Codec.ZSTD, zstd, 0, zstd.length, PAGE.length + 1))
        .isInstanceOfSatisfying(DecodeException.class, e -> assertThat(e.kind()).isEqualTo(DecodeException.Kind.CORRUPT));
  }

  @Test
  void lzoAndBrotliAreUnsupported() {
    for (Codec codec : new Codec[] {Codec.LZO, Codec.BROTLI}) {
      assertThatThrownBy(() -> PageDecompressor.decompress(codec, new byte[10], 0, 10, 100))
          .isInstanceOfSatisfying(DecodeException.class,
              e -> assertThat(e.kind()).isEqualTo(DecodeException.Kind.UNSUPPORTED));
    }
  }
}
