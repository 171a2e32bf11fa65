package io.needle.decode;

/**
 * Where a data page's repetition and definition levels lie in its (decompressed) body, for the
 * direct path's level readers ({@link HybridRuns}).
 *
 * <p>V1 page: each level section present (repetition when the column is repeated, then
 * definition when anything on its path is optional) is a 4-byte little-endian length followed by
 * RLE/bit-packed hybrid runs; the values follow the last. V2 page: the header gives both
 * sections' byte lengths, repetition first; they are stored uncompressed before the values.
 *
 * <p>A section comes back packed as {@code from << 32 | to} (read with {@link #from} and
 * {@link #to}), so that locating the levels of one value allocates nothing. A length that runs
 * past the body is an {@link IndexOutOfBoundsException}, reported as a corrupt row group.
 */
final class PageLevels {
  private PageLevels() {}

  /** The repetition levels of a repeated column's data page. */
  static long repetition(ParsedPage page, byte[] body) throws DecodeException {
    if (page.isV2()) {
      return section(0, page.v2RepetitionLevelBytes());
    }
    return section(4, 4 + prefixedLength(body, 0, "repetition"));
  }

  /**
   * The definition levels of a data page: empty for a V1 page of a column that is never null.
   *
   * @param after where a V1 page's repetition section ends (0 when the column is not repeated)
   * @param defined whether the column has definition levels (its max definition level is above 0)
   */
  static long definition(ParsedPage page, byte[] body, int after, boolean defined) throws DecodeException {
    if (page.isV2()) {
      int from = page.v2RepetitionLevelBytes();
      return section(from, from + page.v2DefinitionLevelBytes());
    }
    if (!defined) {
      return section(after, after);
    }
    return section(after + 4, after + 4 + prefixedLength(body, after, "definition"));
  }

  static int from(long section) {
    return (int) (section >>> 32);
  }

  static int to(long section) {
    return (int) section;
  }

  private static long section(int from, int to) {
    return (long) from << 32 | (to & 0xFFFF_FFFFL);
  }

  /** The 4-byte little-endian length of a V1 level section at {@code at}, checked against the page. */
  static int prefixedLength(byte[] body, int at, String what) {
    if (at + 4 > body.length) {
      throw new IndexOutOfBoundsException(what + " levels' length past the page");
    }
    int length = (int) PlainValues.INT_LE.get(body, at);
    if (length < 0 || length > body.length - at - 4) {
      throw new IndexOutOfBoundsException(what + " levels of " + length + " bytes in a " + body.length + "-byte page");
    }
    return length;
  }
}
