package io.needle.worker;

import io.needle.metadata.Keys;

import java.util.Arrays;
import java.util.Map;

/**
 * What a table's own metadata says about the values of a data file's columns before any footer
 * is read (Iceberg: the manifest's lower and upper bounds, an identity partition's value): per
 * top-level column, the closed range its non-null values lie in. A lookup whose keys all fall
 * outside the key column's range skips the file without opening it.
 *
 * <p>With the row count the metadata gives, they also describe the file without its footer.
 *
 * @param longs integer-valued columns (int, long, date, timestamp): {min, max}
 * @param bytes byte-valued columns (string as UTF-8, binary, fixed, uuid): {min, max}, compared unsigned
 * @param rowCount the file's rows as the metadata says, or -1 when it does not say
 */
record KeyBounds(Map<String, long[]> longs, Map<String, byte[][]> bytes, long rowCount) {

  KeyBounds {
    longs = Map.copyOf(longs);
    bytes = Map.copyOf(bytes);
  }

  /** Whether the metadata gives a range for {@code column}. */
  boolean hasRange(String column) {
    return longs.containsKey(column) || bytes.containsKey(column);
  }

  /** True when no key of {@code keys} can be in the file's {@code column}. */
  boolean excludesAll(String column, Keys keys) {
    if (keys.isLongs()) {
      long[] range = longs.get(column);
      if (range == null) {
        return false;
      }
      for (int i = 0; i < keys.size(); i++) {
        long k = keys.longAt(i);
        if (k >= range[0] && k <= range[1]) {
          return false;
        }
      }
      return true;
    }
    byte[][] range = bytes.get(column);
    if (range == null) {
      return false;
    }
    for (int i = 0; i < keys.size(); i++) {
      byte[] k = keys.bytesAt(i);
      if (Arrays.compareUnsigned(k, range[0]) >= 0 && Arrays.compareUnsigned(k, range[1]) <= 0) {
        return false;
      }
    }
    return true;
  }
}
