package io.needle.metadata;

import java.io.ByteArrayInputStream;
import java.io.IOException;

/**
 * Serves small reads (indexes, bloom filter headers) from one covering read when the wanted
 * ranges are dense enough, from the already-read tail when they fall inside it, and otherwise
 * with one read per range. All ranges must have been checked against the file size first.
 */
final class RangeBytes {
  /** Slack allowed between wanted ranges before a covering read stops paying off. */
  private static final long GAP_ALLOWANCE_BYTES = 1 << 20;

  private final FileSource source;
  private final byte[] bytes;
  private final long start;

  private RangeBytes(FileSource source, byte[] bytes, long start) {
    this.source = source;
    this.bytes = bytes;
    this.start = start;
  }

  /**
   * @param lo first byte of the lowest wanted range
   * @param hi one past the last byte of the highest wanted range
   * @param wantedBytes sum of the wanted ranges' lengths
   */
  static RangeBytes covering(FileSource source, FooterReader.Tail tail, long lo, long hi, long wantedBytes)
      throws IOException {
    long span = hi - lo;
    if (tail.covers(lo, span)) {
      return new RangeBytes(source, tail.bytes(), tail.start());
    }
    if (span <= FooterReader.MAX_COVERING_READ_BYTES && span <= 2 * wantedBytes + GAP_ALLOWANCE_BYTES) {
      return new RangeBytes(source, FooterReader.read(source, lo, (int) span), lo);
    }
    return new RangeBytes(source, null, 0);
  }

  /** The bytes [offset, offset + length) as a stream; reads them when not held. */
  ByteArrayInputStream open(long offset, int length) throws IOException {
    if (bytes != null && offset >= start && offset + length <= start + bytes.length) {
      return new ByteArrayInputStream(bytes, (int) (offset - start), length);
    }
    return new ByteArrayInputStream(FooterReader.read(source, offset, length));
  }
}
