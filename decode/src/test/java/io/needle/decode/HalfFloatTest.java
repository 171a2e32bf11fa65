package io.needle.decode;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** HalfFloat against the JDK's own conversions (Java 20+), which the tests may use. */
class HalfFloatTest {
  @Test
  void everyHalfConvertsToTheSameFloatAsTheJdk() {
    for (int h = 0; h <= 0xffff; h++) {
      float expected = Float.float16ToFloat((short) h);
      assertThat(Float.floatToRawIntBits(HalfFloat.toFloat((short) h)))
          .as("half 0x%04x", h).isEqualTo(Float.floatToRawIntBits(expected));
    }
  }

  @Test
  void floatsRoundToTheSameHalfAsTheJdk() {
    for (int h = 0; h <= 0xffff; h++) { // every half, and the floats just around it
      float f = Float.float16ToFloat((short) h);
      for (float probe : new float[] {f, Math.nextUp(f), Math.nextDown(f)}) {
        assertSame(probe);
      }
    }
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < 2_000_000; i++) {
      assertSame(Float.intBitsToFloat(random.nextInt()));
    }
    for (float tie : new float[] {65520f, 65519.996f, 0x1p-25f, 0x1.8p-24f, -0x1p-25f, 2049f, 2051f}) {
      assertSame(tie);
    }
  }

  private static void assertSame(float value) {
    short expected = Float.floatToFloat16(value);
    short actual = HalfFloat.fromFloat(value);
    if (Float.isNaN(value)) {
      assertThat(Float.isNaN(HalfFloat.toFloat(actual))).as("NaN stays NaN: %s", value).isTrue();
      return;
    }
    assertThat(actual).as("float %s (0x%08x)", value, Float.floatToRawIntBits(value)).isEqualTo(expected);
  }
}
