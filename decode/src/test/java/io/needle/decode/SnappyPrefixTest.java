package io.needle.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.airlift.compress.snappy.SnappyCompressor;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link SnappyPrefix} against aircompressor's Snappy compressor (the oracle: the input it
 * compressed): every prefix asked for is exact however the stream is cut into elements, the
 * whole output matches, and truncated or corrupted streams give a typed error, never another
 * exception or a write outside the output; from a heap array and from a direct buffer (the
 * stream placed between bytes that are not part of it).
 */
class SnappyPrefixTest {
  private static final boolean[] DIRECT = {false, true};

  @Test
  void everyPrefixOfTextRandomAndRepetitiveInputs() throws Exception {
    SplittableRandom random = new SplittableRandom(5);
    for (byte[] input : inputs(random)) {
      byte[] compressed = compress(input);
      for (int round = 0; round < 30; round++) {
        byte[] out = new byte[input.length];
        SnappyPrefix stream = open(compressed, out, 0, round % 2 == 1);
        int asked = 0;
        while (!stream.done()) {
          asked = Math.min(input.length, asked + 1 + random.nextInt(Math.max(1, input.length / 5)));
          stream.ensure(asked);
          assertThat(stream.available()).isGreaterThanOrEqualTo(asked);
          assertThat(Arrays.copyOf(out, stream.available())).isEqualTo(Arrays.copyOf(input, stream.available()));
        }
        assertThat(out).isEqualTo(input);
      }
    }
  }

  @Test
  void decompressesAfterAnUncompressedPrefixAndKeepsCopiesOutOfIt() throws Exception {
    byte[] input = "abcabcabcabcabcabcabcabc-levels-are-not-part-of-the-stream".getBytes(StandardCharsets.US_ASCII);
    byte[] compressed = compress(input);
    byte[] out = new byte[7 + input.length];
    Arrays.fill(out, 0, 7, (byte) 42);
    for (boolean direct : DIRECT) {
      open(compressed, out, 7, direct).ensure(Integer.MAX_VALUE);
      assertThat(Arrays.copyOfRange(out, 7, out.length)).isEqualTo(input);
      assertThat(Arrays.copyOf(out, 7)).containsOnly((byte) 42);
    }

    // A copy that reaches back before the stream's own output (into the prefix) is corrupt:
    // 5 bytes declared; literal "x"; copy of 4 bytes from 2 back, where only 1 stream byte exists.
    byte[] reachesBack = {5, 0x00, 'x', 0x01, 2};
    for (boolean direct : DIRECT) {
      Throwable error = catchThrowable(() -> open(reachesBack, new byte[6], 1, direct).ensure(Integer.MAX_VALUE));
      assertThat(error).isInstanceOf(DecodeException.class);
    }
  }

  @Test
  void truncatedAndCorruptedStreamsGiveTypedErrors() throws Exception {
    SplittableRandom random = new SplittableRandom(9);
    for (byte[] input : inputs(random)) {
      byte[] compressed = compress(input);
      for (int cut = 0; cut < compressed.length; cut += 1 + compressed.length / 50) {
        byte[] truncated = Arrays.copyOf(compressed, cut);
        for (boolean direct : DIRECT) {
          Throwable error = catchThrowable(() -> open(truncated, new byte[input.length], 0, direct)
              .ensure(Integer.MAX_VALUE));
          assertThat(error).as("cut at %d of %d, direct %s", cut, compressed.length, direct)
              .isInstanceOf(DecodeException.class);
        }
      }
      for (int round = 0; round < 300; round++) {
        byte[] flipped = compressed.clone();
        flipped[random.nextInt(flipped.length)] ^= (byte) (1 << random.nextInt(8));
        byte[] out = new byte[input.length + 16];
        boolean direct = round % 2 == 1;
        Throwable error = catchThrowable(() -> open(flipped, out, 16, direct).ensure(Integer.MAX_VALUE));
        if (error != null) {
          assertThat(error).isInstanceOf(DecodeException.class);
        }
      }
    }
  }

  /**
   * A stream over {@code compressed}: the array itself, or a direct buffer holding it between 13
   * bytes before and 40 after that a read past the stream's bounds would take for input.
   */
  private static SnappyPrefix open(byte[] compressed, byte[] out, int outOffset, boolean direct) throws DecodeException {
    if (!direct) {
      return new SnappyPrefix(compressed, 0, compressed.length, out, outOffset);
    }
    ByteBuffer buffer = ByteBuffer.allocateDirect(13 + compressed.length + 40);
    for (int i = 0; i < buffer.capacity(); i++) {
      buffer.put(i, (byte) 0x7f);
    }
    buffer.put(13, compressed);
    return new SnappyPrefix(buffer, 13, compressed.length, out, outOffset);
  }

  private static byte[][] inputs(SplittableRandom random) {
    StringBuilder text = new StringBuilder();
    String[] words = {"likes", "parquet", "lookups", "caches", "café", "日本語", "🙂", "tab\there"};
    while (text.length() < 9_000) {
      text.append(words[random.nextInt(words.length)]).append(' ');
    }
    byte[] noise = new byte[1_626];
    for (int i = 0; i < noise.length; i++) {
      noise[i] = (byte) random.nextInt();
    }
    byte[] runs = new byte[70_000]; // long copies and literals with multi-byte lengths
    for (int i = 0; i < runs.length; i++) {
      runs[i] = (byte) (i / 3000 % 2 == 0 ? i % 7 : random.nextInt());
    }
    return new byte[][] {text.toString().getBytes(StandardCharsets.UTF_8), noise, runs, new byte[1], new byte[300]};
  }

  private static byte[] compress(byte[] input) {
    SnappyCompressor compressor = new SnappyCompressor();
    byte[] out = new byte[compressor.maxCompressedLength(input.length)];
    int n = compressor.compress(input, 0, input.length, out, 0, out.length);
    return Arrays.copyOf(out, n);
  }
}
