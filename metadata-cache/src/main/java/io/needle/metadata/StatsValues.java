package io.needle.metadata;

import io.needle.metadata.LeafColumn.PhysicalType;

/**
 * Decoding of PLAIN-encoded statistics values (footer, column index, page headers) into the
 * planner's normalised long form, and the matching normalisation of caller keys.
 *
 * <p>Normalised longs compare with a signed {@code Long.compare} for every order: signed INT32 is
 * sign-extended, unsigned INT32 is zero-extended, unsigned INT64 has its sign bit flipped.
 */
final class StatsValues {
  private StatsValues() {}

  /** Whether {@code bytes} is a well-formed PLAIN value of the column's type. */
  static boolean wellFormed(LeafColumn leaf, byte[] bytes) {
    if (bytes == null) {
      return false;
    }
    return switch (leaf.type()) {
      case INT32 -> bytes.length == 4;
      case INT64 -> bytes.length == 8;
      case FIXED_LEN_BYTE_ARRAY, BYTE_ARRAY -> true; // may be truncated: still a bound
      default -> false;
    };
  }

  /** Normalised long of a well-formed INT32/INT64 PLAIN value. */
  static long decodeLong(LeafColumn leaf, byte[] b) {
    if (leaf.type() == PhysicalType.INT32) {
      int v = (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
      return leaf.order() == StatsOrder.UNSIGNED ? Integer.toUnsignedLong(v) : v;
    }
    long v = 0;
    for (int i = 7; i >= 0; i--) {
      v = v << 8 | (b[i] & 0xff);
    }
    return leaf.order() == StatsOrder.UNSIGNED ? v ^ Long.MIN_VALUE : v;
  }

  /**
   * A normalised long in the form lookups carry keys: the value's own bits, INT32 sign-extended
   * (an unsigned INT32 of 0xFFFFFFFF is -1), so that it compares with the caller's keys in the
   * column's order.
   */
  static long keyForm(LeafColumn leaf, long normalised) {
    long bits = denormalise(leaf, normalised);
    return leaf.type() == PhysicalType.INT32 ? (int) bits : bits;
  }

  /** The caller-visible key of a normalised long (inverse of the INT64 sign flip). */
  static long denormalise(LeafColumn leaf, long normalised) {
    return leaf.type() == PhysicalType.INT64 && leaf.order() == StatsOrder.UNSIGNED
        ? normalised ^ Long.MIN_VALUE
        : normalised;
  }
}
