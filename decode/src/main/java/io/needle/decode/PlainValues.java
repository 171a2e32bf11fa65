package io.needle.decode;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;

/**
 * The PLAIN encoding, read in place from a page body: fixed-width values little-endian at
 * {@code k * width}, booleans one bit each, byte arrays as a 4-byte little-endian length then the
 * bytes. The value decoders of the direct path ({@link FlatColumnLookup}, {@link KeyPageScan},
 * {@link DictionaryValues}'s entries) read values only through here. Stateless.
 *
 * <p>Bounds are checked against the end given, and a value that runs past it is an
 * {@link IndexOutOfBoundsException}, which the decoder reports as a corrupt row group.
 */
final class PlainValues {
  static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private PlainValues() {}

  /** Bytes of a fixed-width value of {@code type}; 0 for BOOLEAN and BINARY. */
  static int fixedWidth(PrimitiveType type) {
    return switch (type.getPrimitiveTypeName()) {
      case INT32, FLOAT -> 4;
      case INT64, DOUBLE -> 8;
      case INT96 -> 12;
      case FIXED_LEN_BYTE_ARRAY -> type.getTypeLength();
      case BOOLEAN, BINARY -> 0;
    };
  }

  /** The end of the length-prefixed value at {@code at}. */
  static int checkedEnd(byte[] data, int at, int to) {
    if (at + 4 > to) {
      throw new IndexOutOfBoundsException("binary length at byte " + at + " past the values");
    }
    int length = (int) INT_LE.get(data, at);
    if (length < 0 || length > to - at - 4) {
      throw new IndexOutOfBoundsException("binary value of " + length + " bytes at byte " + at + " past the values");
    }
    return at + 4 + length;
  }

  /** Checks that a value of {@code width} bytes at {@code at} ends by {@code end}. */
  static void checkFits(int at, int width, int end) {
    if (at + width > end) {
      throw new IndexOutOfBoundsException("value of " + width + " bytes at byte " + at + " past the values");
    }
  }

  /** Emits the fixed-width value of {@code typeName} ({@code width} bytes) at {@code at}. */
  static void emitFixed(PrimitiveTypeName typeName, int width, byte[] data, int at, ValueConverter converter) {
    switch (typeName) {
      case INT32 -> converter.addInt((int) INT_LE.get(data, at));
      case INT64 -> converter.addLong((long) LONG_LE.get(data, at));
      case FLOAT -> converter.addFloat(Float.intBitsToFloat((int) INT_LE.get(data, at)));
      case DOUBLE -> converter.addDouble(Double.longBitsToDouble((long) LONG_LE.get(data, at)));
      case INT96, FIXED_LEN_BYTE_ARRAY -> converter.addBinary(Binary.fromConstantByteArray(data, at, width));
      default -> throw new IllegalStateException("not a fixed-width type: " + typeName);
    }
  }

  /** Emits the byte array whose length prefix is at {@code at} and which ends at {@code end}. */
  static void emitBinary(byte[] data, int at, int end, ValueConverter converter) {
    converter.addBinary(Binary.fromConstantByteArray(data, at + 4, end - at - 4));
  }
}
