package io.needle.decode;

import org.apache.parquet.bytes.HeapByteBufferAllocator;
import org.apache.parquet.column.values.rle.RunLengthBitPackingHybridEncoder;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link HybridRuns} against parquet-java's own encoder (the oracle: the values written) and
 * against hand-built runs of exact lengths, at every bit width.
 */
class HybridRunsTest {
  @Test
  void everyPositionOfEncodedRunsOfOneEightAndNineAtEveryBitWidth() throws Exception {
    Random random = new Random(42);
    for (int width = 0; width <= 32; width++) {
      for (int runLength : new int[] {1, 8, 9}) {
        int[] values = new int[61];
        int i = 0;
        while (i < values.length) {
          int value = randomValue(random, width);
          for (int r = 0; r < runLength && i < values.length; r++) {
            values[i++] = value;
          }
        }
        byte[] data = encode(width, values);
        checkAll(data, width, values);
      }
    }
  }

  @Test
  void handBuiltRleRunsOfOneEightAndNineAtEveryBitWidth() {
    for (int width = 0; width <= 32; width++) {
      int valueBytes = (width + 7) / 8;
      int[] lengths = {1, 8, 9, 1};
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      int total = 0;
      for (int length : lengths) {
        total += length;
      }
      int[] values = new int[total];
      int at = 0;
      for (int run = 0; run < lengths.length; run++) {
        int value = width == 0 ? 0 : (int) ((run * 0x9E3779B9L + 1) & mask(width));
        out.write(lengths[run] << 1); // RLE header, lengths < 64 fit one byte
        for (int b = 0; b < valueBytes; b++) {
          out.write(value >>> (8 * b));
        }
        for (int r = 0; r < lengths[run]; r++) {
          values[at++] = value;
        }
      }
      checkAll(out.toByteArray(), width, values);
    }
  }

  @Test
  void repeatedRunEndingExactlyAtThePosition() {
    // Levels: 5 × 1 (RLE), then 3 × 0 (RLE), then 1 (RLE). Position 5 is the first after the run of
    // ones: level 0 with 5 ones before; position 8 is the last 1 with 5 ones before.
    byte[] data = {5 << 1, 1, 3 << 1, 0, 1 << 1, 1};
    long at5 = HybridRuns.valueAndCountBefore(data, 0, data.length, 1, 5, 1);
    assertThat(HybridRuns.value(at5)).isZero();
    assertThat(HybridRuns.count(at5)).isEqualTo(5);
    long at4 = HybridRuns.valueAndCountBefore(data, 0, data.length, 1, 4, 1);
    assertThat(HybridRuns.value(at4)).isEqualTo(1);
    assertThat(HybridRuns.count(at4)).isEqualTo(4);
    long at8 = HybridRuns.valueAndCountBefore(data, 0, data.length, 1, 8, 1);
    assertThat(HybridRuns.value(at8)).isEqualTo(1);
    assertThat(HybridRuns.count(at8)).isEqualTo(5);
    assertThatThrownBy(() -> HybridRuns.valueAndCountBefore(data, 0, data.length, 1, 9, 1))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void bitPackedRunCutShortStillAnswersTheValuesPresent() {
    // One group of 8 values declared at width 8, but only 3 bytes present.
    byte[] data = {(1 << 1) | 1, 7, 8, 9};
    assertThat(HybridRuns.valueAt(data, 0, data.length, 8, 2)).isEqualTo(9);
    assertThatThrownBy(() -> HybridRuns.valueAt(data, 0, data.length, 8, 3)).isInstanceOf(IndexOutOfBoundsException.class);
    HybridRuns.Cursor cursor = new HybridRuns.Cursor(data, 0, data.length, 8);
    assertThat(new int[] {cursor.next(), cursor.next(), cursor.next()}).containsExactly(7, 8, 9);
    assertThatThrownBy(cursor::next).isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void multiByteHeadersAndOffsets() throws Exception {
    int[] values = new int[1000];
    for (int i = 0; i < values.length; i++) {
      values[i] = i < 300 ? 3 : i % 5; // a 300-value RLE run (two-byte header), then bit-packed
    }
    byte[] encoded = encode(3, values);
    byte[] padded = new byte[encoded.length + 7];
    System.arraycopy(encoded, 0, padded, 5, encoded.length);
    for (int p = 0; p < values.length; p++) {
      assertThat(HybridRuns.valueAt(padded, 5, 5 + encoded.length, 3, p)).isEqualTo(values[p]);
    }
  }

  private static void checkAll(byte[] data, int width, int[] values) {
    HybridRuns.Cursor cursor = new HybridRuns.Cursor(data, 0, data.length, width);
    for (int p = 0; p < values.length; p++) {
      assertThat(cursor.next()).as("cursor, width %d position %d", width, p).isEqualTo(values[p]);
    }
    for (int p = 0; p < values.length; p++) {
      assertThat(HybridRuns.valueAt(data, 0, data.length, width, p)).as("width %d position %d", width, p)
          .isEqualTo(values[p]);
      int counted = values[values.length / 2];
      int expectedCount = 0;
      for (int i = 0; i < p; i++) {
        if (values[i] == counted) {
          expectedCount++;
        }
      }
      long packed = HybridRuns.valueAndCountBefore(data, 0, data.length, width, p, counted);
      assertThat(HybridRuns.value(packed)).as("width %d position %d", width, p).isEqualTo(values[p]);
      assertThat(HybridRuns.count(packed)).as("width %d count before %d", width, p).isEqualTo(expectedCount);
    }
  }

  private static long mask(int width) {
    return width == 32 ? 0xffffffffL : (1L << width) - 1;
  }

  private static int randomValue(Random random, int width) {
    return (int) (random.nextLong() & mask(width));
  }

  private static byte[] encode(int width, int[] values) throws Exception {
    RunLengthBitPackingHybridEncoder encoder =
        new RunLengthBitPackingHybridEncoder(width, 64, 1 << 16, HeapByteBufferAllocator.getInstance());
    for (int v : values) {
      encoder.writeInt(v);
    }
    return encoder.toBytes().toByteArray();
  }
}
