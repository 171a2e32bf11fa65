package io.needle.metadata;

import java.util.Arrays;

/**
 * The keys of one lookup in the physical representation of the key column: {@code long}s for
 * INT32/INT64 columns (dates, timestamps, decimals and unsigned ints included; unsigned values
 * are carried in their two's-complement bits), {@code byte[]}s for BYTE_ARRAY and
 * FIXED_LEN_BYTE_ARRAY columns. Immutable by contract: callers must not change the arrays.
 */
public final class Keys {
  private final long[] longs;
  private final byte[][] bytes;

  private Keys(long[] longs, byte[][] bytes) {
    this.longs = longs;
    this.bytes = bytes;
  }

  public static Keys ofLongs(long... keys) {
    return new Keys(keys, null);
  }

  public static Keys ofBytes(byte[]... keys) {
    return new Keys(null, keys);
  }

  public boolean isLongs() {
    return longs != null;
  }

  public int size() {
    return longs != null ? longs.length : bytes.length;
  }

  public long longAt(int i) {
    return longs[i];
  }

  public byte[] bytesAt(int i) {
    return bytes[i];
  }

  @Override
  public String toString() {
    return longs != null ? Arrays.toString(longs) : bytes.length + " binary keys";
  }
}
