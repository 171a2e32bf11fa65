package io.needle.decode;

/**
 * Random access into parquet's RLE/bit-packed hybrid encoding (definition levels, dictionary
 * indexes) without materializing the values: walks the runs up to the wanted position only.
 *
 * <p>Format: a sequence of runs, each introduced by an unsigned LEB128 varint header. Header
 * {@code h} with low bit 0: an RLE run of {@code h >>> 1} copies of one value stored in
 * {@code ceil(bitWidth / 8)} little-endian bytes. Low bit 1: {@code h >>> 1} groups of 8
 * bit-packed values, {@code bitWidth} bytes per group, least significant bit first. A last
 * bit-packed run may be cut short by the end of the data (writers pad it; parquet-java reads what
 * is there), so only the bytes of a value actually asked for must exist.
 *
 * <p>Malformed input (a header past the end, a value outside the data) throws
 * {@link IndexOutOfBoundsException}, which the decoder reports as corrupt data. Stateless.
 */
final class HybridRuns {
  private HybridRuns() {}

  /**
   * The value at {@code index}.
   *
   * @param from first byte of the runs
   * @param to one past the last byte of the runs
   */
  static int valueAt(byte[] data, int from, int to, int bitWidth, int index) {
    checkWidth(bitWidth);
    int pos = from;
    int remaining = index;
    while (true) {
      if (pos >= to) {
        throw new IndexOutOfBoundsException("value " + index + " is past the end of the runs");
      }
      long read = readHeader(data, pos, to);
      long header = read >>> 8;
      pos += (int) (read & 0xff);
      long count = header >>> 1;
      if ((header & 1) == 0) {
        int valueBytes = (bitWidth + 7) >>> 3;
        if (remaining < count) {
          return readRleValue(data, pos, to, valueBytes);
        }
        remaining -= (int) count;
        pos += valueBytes;
      } else {
        long values = count * 8;
        if (remaining < values) {
          return packedValue(data, pos, to, bitWidth, remaining);
        }
        remaining -= (int) values;
        pos += (int) Math.min(Integer.MAX_VALUE, count * bitWidth);
      }
    }
  }

  /**
   * The value at {@code position} and how many values before it equal {@code counted}, packed as
   * {@code count << 32 | value} (see {@link #count} and {@link #value}).
   */
  static long valueAndCountBefore(byte[] data, int from, int to, int bitWidth, int position, int counted) {
    checkWidth(bitWidth);
    int pos = from;
    int remaining = position;
    long count = 0;
    while (true) {
      if (pos >= to) {
        throw new IndexOutOfBoundsException("value " + position + " is past the end of the runs");
      }
      long read = readHeader(data, pos, to);
      long header = read >>> 8;
      pos += (int) (read & 0xff);
      long runLength = header >>> 1;
      if ((header & 1) == 0) {
        int valueBytes = (bitWidth + 7) >>> 3;
        int value = readRleValue(data, pos, to, valueBytes);
        if (remaining < runLength) {
          if (value == counted) {
            count += remaining;
          }
          return count << 32 | (value & 0xffffffffL);
        }
        if (value == counted) {
          count += runLength;
        }
        remaining -= (int) runLength;
        pos += valueBytes;
      } else {
        long values = runLength * 8;
        int upTo = (int) Math.min(values, remaining);
        for (int i = 0; i < upTo; i++) {
          if (packedValue(data, pos, to, bitWidth, i) == counted) {
            count++;
          }
        }
        if (remaining < values) {
          int value = packedValue(data, pos, to, bitWidth, remaining);
          return count << 32 | (value & 0xffffffffL);
        }
        remaining -= (int) values;
        pos += (int) Math.min(Integer.MAX_VALUE, runLength * bitWidth);
      }
    }
  }

  static int count(long packed) {
    return (int) (packed >>> 32);
  }

  static int value(long packed) {
    return (int) packed;
  }

  /**
   * The ULEB128 run header at {@code pos}, packed as {@code header << 8 | bytes read} (a header
   * is at most 5 bytes, 35 bits).
   */
  private static long readHeader(byte[] data, int pos, int to) {
    long header = 0;
    int shift = 0;
    int at = pos;
    int b;
    do {
      if (at >= to || shift > 28) {
        throw new IndexOutOfBoundsException("malformed run header at byte " + at);
      }
      b = data[at++];
      header |= (long) (b & 0x7f) << shift;
      shift += 7;
    } while ((b & 0x80) != 0);
    return header << 8 | (at - pos);
  }

  private static void checkWidth(int bitWidth) {
    if (bitWidth < 0 || bitWidth > 32) {
      throw new IndexOutOfBoundsException("bit width " + bitWidth + " outside 0..32");
    }
  }

  private static int readRleValue(byte[] data, int pos, int to, int valueBytes) {
    if (pos + valueBytes > to) {
      throw new IndexOutOfBoundsException("RLE run value at byte " + pos + " is past the end " + to);
    }
    int value = 0;
    for (int i = 0; i < valueBytes; i++) {
      value |= (data[pos + i] & 0xff) << (8 * i);
    }
    return value;
  }

  /** The {@code index}-th value of a bit-packed run starting at byte {@code start}. */
  private static int packedValue(byte[] data, int start, int to, int bitWidth, int index) {
    if (bitWidth == 0) {
      return 0;
    }
    long bit = (long) index * bitWidth;
    int first = start + (int) (bit >>> 3);
    int shift = (int) (bit & 7);
    int bytes = (shift + bitWidth + 7) >>> 3;
    if (first + bytes > to) {
      throw new IndexOutOfBoundsException("bit-packed value " + index + " at byte " + first + " is past the end " + to);
    }
    long word = 0;
    for (int i = 0; i < bytes; i++) {
      word |= (long) (data[first + i] & 0xff) << (8 * i);
    }
    return (int) ((word >>> shift) & ((1L << bitWidth) - 1));
  }

  /**
   * Sequential reading of the runs from their start, for walks that need every value in order
   * (repetition and definition levels up to a row). Malformed input throws like the rest.
   */
  static final class Cursor {
    private final byte[] data;
    private final int to;
    private final int bitWidth;
    private int pos;
    private long left; // values left in the current run
    private boolean packed;
    private int rleValue;
    private int packedStart;
    private int packedIndex;

    Cursor(byte[] data, int from, int to, int bitWidth) {
      checkWidth(bitWidth);
      this.data = data;
      this.to = to;
      this.bitWidth = bitWidth;
      this.pos = from;
    }

    int next() {
      while (left == 0) {
        readRun();
      }
      left--;
      return packed ? packedValue(data, packedStart, to, bitWidth, packedIndex++) : rleValue;
    }

    private void readRun() {
      if (pos >= to) {
        throw new IndexOutOfBoundsException("a value past the end of the runs at byte " + to);
      }
      long read = readHeader(data, pos, to);
      long header = read >>> 8;
      pos += (int) (read & 0xff);
      long runLength = header >>> 1;
      if ((header & 1) == 0) {
        int valueBytes = (bitWidth + 7) >>> 3;
        packed = false;
        rleValue = readRleValue(data, pos, to, valueBytes);
        left = runLength;
        pos += valueBytes;
      } else {
        packed = true;
        packedStart = pos;
        packedIndex = 0;
        left = runLength * 8;
        pos = (int) Math.min(to, pos + runLength * bitWidth); // a last run may be cut short
      }
    }
  }
}
