package io.needle.decode;

import java.nio.ByteBuffer;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * The page segments of a lookup response, by index: one buffer (a reply's payload, heap or
 * direct) and where each segment starts in it and how long it is. A segment is an offset into
 * the buffer, never a view of its own: a reply of N pages costs two int arrays, not N buffer
 * objects, and a direct buffer is decompressed and decoded in place.
 *
 * <p>The buffer is read only through absolute indexes, never through its position or limit, so
 * row groups of one reply decode on several threads at once; a decode call that must hand a
 * position-based API a region makes its own duplicate first (one per call, not per page).
 * Valid while the buffer's owner (the reply frame) is.
 */
public final class PageSegments {
  private final ByteBuffer bytes;
  private final int[] starts;
  private final int[] lengths;

  private PageSegments(ByteBuffer bytes, int[] starts, int[] lengths) {
    this.bytes = bytes;
    this.starts = starts;
    this.lengths = lengths;
  }

  /**
   * Segments of {@code bytes} at absolute indexes {@code starts[i]}, of {@code lengths[i]} bytes;
   * the arrays are taken over, not copied.
   *
   * @throws IllegalArgumentException when a segment lies outside the buffer's limit
   */
  public static PageSegments of(ByteBuffer bytes, int[] starts, int[] lengths) {
    requireNonNull(bytes, "bytes is null");
    if (starts.length != lengths.length) {
      throw new IllegalArgumentException(starts.length + " starts but " + lengths.length + " lengths");
    }
    for (int i = 0; i < starts.length; i++) {
      if (starts[i] < 0 || lengths[i] < 0 || starts[i] > bytes.limit() - lengths[i]) {
        throw new IllegalArgumentException("segment " + i + " of " + lengths[i] + " bytes at " + starts[i]
            + " outside a buffer of " + bytes.limit());
      }
    }
    return new PageSegments(bytes, starts, lengths);
  }

  /**
   * The segments copied back to back into one new buffer, direct or heap: for tests and
   * benchmarks that build segments one by one (a reply's segments come from {@link #of}).
   */
  public static PageSegments copyOf(List<ByteBuffer> segments, boolean direct) {
    int total = 0;
    for (ByteBuffer s : segments) {
      total = Math.addExact(total, s.remaining());
    }
    ByteBuffer bytes = direct ? ByteBuffer.allocateDirect(total) : ByteBuffer.allocate(total);
    int[] starts = new int[segments.size()];
    int[] lengths = new int[segments.size()];
    int at = 0;
    for (int i = 0; i < segments.size(); i++) {
      ByteBuffer s = segments.get(i);
      starts[i] = at;
      lengths[i] = s.remaining();
      bytes.put(at, s, s.position(), s.remaining());
      at += lengths[i];
    }
    return new PageSegments(bytes, starts, lengths);
  }

  /** Number of segments. */
  public int count() {
    return starts.length;
  }

  /** Absolute index of segment {@code i}'s first byte in {@link #bytes}. */
  public int start(int i) {
    return starts[i];
  }

  /** Bytes of segment {@code i}. */
  public int length(int i) {
    return lengths[i];
  }

  /** The buffer holding every segment; read it by absolute index only. */
  public ByteBuffer bytes() {
    return bytes;
  }
}
