package io.needle.decode;

import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;

/**
 * The dictionary encodings' value side: a PLAIN dictionary page indexed once (entry offsets for
 * byte arrays, direct offsets for fixed width), then each index of a RLE_DICTIONARY or
 * PLAIN_DICTIONARY data page emitted as its entry. Built once per column per lookup, on first
 * use. Immutable.
 */
final class DictionaryValues {
  private final PrimitiveTypeName typeName;
  private final int width;
  private final byte[] data;
  private final int entries;
  private final int[] binaryStarts; // BINARY only: start of each entry's bytes, end in binaryEnds
  private final int[] binaryEnds;

  /**
   * @param width bytes of a fixed-width entry ({@link PlainValues#fixedWidth}); 0 for BINARY
   * @throws IndexOutOfBoundsException when the entries do not fit the page
   */
  DictionaryValues(PrimitiveTypeName typeName, int width, byte[] data, int entries) {
    this.typeName = typeName;
    this.width = width;
    this.data = data;
    this.entries = entries;
    if (typeName == PrimitiveTypeName.BINARY) {
      binaryStarts = new int[entries];
      binaryEnds = new int[entries];
      int at = 0;
      for (int i = 0; i < entries; i++) {
        int end = PlainValues.checkedEnd(data, at, data.length);
        binaryStarts[i] = at + 4;
        binaryEnds[i] = end;
        at = end;
      }
    } else {
      binaryStarts = null;
      binaryEnds = null;
      if ((long) entries * width > data.length) {
        throw new IndexOutOfBoundsException(entries + " dictionary entries of " + width + " bytes in "
            + data.length + " bytes");
      }
    }
  }

  /** Emits entry {@code index}. */
  void emit(int index, ValueConverter converter) {
    if (index < 0 || index >= entries) {
      throw new IndexOutOfBoundsException("dictionary index " + index + " outside the " + entries + " entries");
    }
    if (binaryStarts != null) {
      converter.addBinary(Binary.fromConstantByteArray(data, binaryStarts[index], binaryEnds[index] - binaryStarts[index]));
    } else {
      PlainValues.emitFixed(typeName, width, data, index * width, converter);
    }
  }
}
