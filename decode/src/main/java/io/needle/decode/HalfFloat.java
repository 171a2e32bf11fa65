package io.needle.decode;

/**
 * IEEE 754 half precision (Parquet's FLOAT16) to and from {@code float}. The JDK has these as
 * {@code Float.float16ToFloat}/{@code floatToFloat16} only from Java 20, and the decoders compile
 * for Java 17; parquet-column's own {@code Float16} keeps its conversions package-private.
 */
final class HalfFloat {
  private HalfFloat() {}

  /** The float that half-precision bits {@code half} stand for (exact: every half is a float). */
  static float toFloat(short half) {
    int bits = half & 0xffff;
    int sign = (bits & 0x8000) << 16;
    int exponent = (bits >>> 10) & 0x1f;
    int mantissa = bits & 0x3ff;
    if (exponent == 0x1f) { // infinity, or NaN made quiet with its payload kept (as the JDK does)
      return Float.intBitsToFloat(sign | (mantissa == 0 ? 0x7f80_0000 : 0x7fc0_0000) | mantissa << 13);
    }
    if (exponent == 0) {
      // zero or subnormal: mantissa * 2^-24, exact in float arithmetic
      float magnitude = mantissa * 0x1p-24f;
      return sign == 0 ? magnitude : -magnitude;
    }
    return Float.intBitsToFloat(sign | (exponent + 127 - 15) << 23 | mantissa << 13);
  }

  /** The half nearest to {@code value}, ties to even; overflow becomes infinity, NaN stays NaN. */
  static short fromFloat(float value) {
    int bits = Float.floatToRawIntBits(value);
    int sign = (bits >>> 16) & 0x8000;
    int exponent = (bits >>> 23) & 0xff;
    int mantissa = bits & 0x7f_ffff;
    if (exponent == 0xff) {
      if (mantissa == 0) {
        return (short) (sign | 0x7c00);
      }
      return (short) (sign | 0x7c00 | 0x200 | mantissa >>> 13); // quiet NaN, top payload bits kept
    }
    int halfExponent = exponent - 127 + 15;
    if (halfExponent >= 0x1f) {
      return (short) (sign | 0x7c00);
    }
    if (halfExponent <= 0) {
      if (halfExponent < -10) {
        return (short) sign; // below half the smallest subnormal: rounds to zero
      }
      int full = mantissa | 0x80_0000; // the implicit leading one
      int shift = 14 - halfExponent;
      return (short) (sign | roundShift(full, shift));
    }
    // A carry out of the mantissa correctly bumps the exponent, up to infinity.
    return (short) (sign | (halfExponent << 10) + roundShift(mantissa, 13));
  }

  /** {@code value >>> shift}, rounded to nearest, ties to even. */
  private static int roundShift(int value, int shift) {
    int kept = value >>> shift;
    int rest = value & ((1 << shift) - 1);
    int half = 1 << (shift - 1);
    if (rest > half || (rest == half && (kept & 1) != 0)) {
      kept++;
    }
    return kept;
  }
}
