package io.needle.client.internal;

import io.needle.protocol.proto.Codec;
import io.needle.protocol.proto.ColumnPages;
import io.needle.protocol.proto.DataPage;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.format.Encoding;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The fast path of {@link RowGroupDecoder}: reads the values of a flat column (a top-level
 * primitive leaf, never repeated) at a few rows straight from the page bytes, instead of running
 * parquet's synchronizing column readers and record assembly, which read every level and skip
 * every value up to the wanted row (about half of a warm lookup, measured).
 *
 * <p>How, for row {@code r} on a page whose first row is {@code f}: position {@code p = r - f}
 * (one value per row: the column is not repeated); the definition levels, an RLE/bit-packed
 * hybrid ({@link HybridRuns}), say whether the value is null and how many non-null values precede
 * it ({@code k}); the {@code k}-th value is then read directly: PLAIN fixed width at
 * {@code k * width}, PLAIN BOOLEAN at bit {@code k}, PLAIN BYTE_ARRAY by hopping over {@code k}
 * length-prefixed values, dictionary-encoded by the {@code k}-th index (bit width byte, then
 * hybrid runs) into the dictionary page, decoded once per lookup into offsets. The physical value
 * goes through {@link RowMaterializer.Value}, the parquet path's own converter, so both paths
 * produce identical Java values.
 *
 * <p>{@link #plan} answers null whenever anything is outside that common case (a page of unknown
 * first row, another encoding, a row not on the pages given, BIT_PACKED levels, ...): the field
 * then goes through the parquet path unchanged, which also reports its errors the usual way.
 *
 * <p>Not thread-safe: one instance belongs to one decode call.
 */
final class FlatColumnLookup {
  private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  /** The response's pages, parsed on demand (one cache per decode call). */
  interface Pages {
    ParsedPage page(int index) throws DecodeException;
  }

  private final PrimitiveType type;
  private final PrimitiveTypeName typeName;
  private final int width; // bytes of a fixed-width value; 0 for BOOLEAN and BINARY
  private final int maxDefinition;
  private final int levelBitWidth;
  private final Codec codec;
  private final ParsedPage dictionaryPage;
  private final ParsedPage[] pageOfRow;
  private final int[] positionOfRow;
  private Dictionary dictionary;

  private FlatColumnLookup(ColumnDescriptor leaf, Codec codec, ParsedPage dictionaryPage, ParsedPage[] pageOfRow,
      int[] positionOfRow) {
    this.type = leaf.getPrimitiveType();
    this.typeName = type.getPrimitiveTypeName();
    this.width = fixedWidth(type);
    this.maxDefinition = leaf.getMaxDefinitionLevel();
    this.levelBitWidth = 32 - Integer.numberOfLeadingZeros(maxDefinition);
    this.codec = codec;
    this.dictionaryPage = dictionaryPage;
    this.pageOfRow = pageOfRow;
    this.positionOfRow = positionOfRow;
  }

  /** True when the leaf is a top-level primitive that is not repeated. */
  static boolean isFlat(ColumnDescriptor leaf) {
    return leaf.getPath().length == 1 && leaf.getMaxRepetitionLevel() == 0;
  }

  /**
   * The lookup of {@code rows} (ascending) in a flat leaf's pages, or null when the fast path does
   * not apply to them. Reads page headers only.
   */
  static FlatColumnLookup plan(ColumnDescriptor leaf, ColumnPages column, long rowGroupRows, long[] rows, int rowCount,
      Pages pages) throws DecodeException {
    if (!isFlat(leaf) || leaf.getMaxDefinitionLevel() > 1 || rowCount == 0) {
      return null;
    }
    PrimitiveTypeName typeName = leaf.getPrimitiveType().getPrimitiveTypeName();
    ParsedPage[] pageOfRow = new ParsedPage[rowCount];
    int[] positionOfRow = new int[rowCount];
    boolean usesDictionary = false;
    int p = 0;
    int count = column.getDataPagesCount();
    for (int i = 0; i < count; i++) {
      long first = column.getDataPages(i).getFirstRow();
      if (first < 0 || (i + 1 < count && column.getDataPages(i + 1).getFirstRow() <= first)) {
        return null; // unknown or unordered first rows: the parquet path handles (or reports) them
      }
    }
    for (int m = 0; m < rowCount; m++) {
      long row = rows[m];
      // Advance to the page holding the row: the last page whose first row is at or before it.
      while (p + 1 < count && column.getDataPages(p + 1).getFirstRow() >= 0
          && column.getDataPages(p + 1).getFirstRow() <= row) {
        p++;
      }
      if (p >= count) {
        return null;
      }
      DataPage entry = column.getDataPages(p);
      long first = entry.getFirstRow();
      long end = p + 1 < count ? column.getDataPages(p + 1).getFirstRow() : rowGroupRows;
      if (first < 0 || row < first || row >= end) {
        return null;
      }
      ParsedPage page = pages.page(entry.getPage());
      if (!page.isData() || row - first >= page.valueCount()) {
        return null;
      }
      Encoding values = page.valueEncoding();
      if (values == Encoding.PLAIN_DICTIONARY || values == Encoding.RLE_DICTIONARY) {
        if (typeName == PrimitiveTypeName.BOOLEAN) {
          return null;
        }
        usesDictionary = true;
      } else if (values != Encoding.PLAIN) {
        return null;
      }
      if (page.isV2()) {
        if (page.v2RepetitionLevelBytes() != 0) {
          return null;
        }
      } else if (leaf.getMaxDefinitionLevel() > 0 && page.definitionLevelEncoding() != Encoding.RLE) {
        return null;
      }
      pageOfRow[m] = page;
      positionOfRow[m] = (int) (row - first);
    }
    ParsedPage dictionaryPage = null;
    if (usesDictionary) {
      if (column.getDictionaryPage() < 0) {
        return null;
      }
      dictionaryPage = pages.page(column.getDictionaryPage());
      if (!dictionaryPage.isDictionary() || (dictionaryPage.dictionaryEncoding() != Encoding.PLAIN
          && dictionaryPage.dictionaryEncoding() != Encoding.PLAIN_DICTIONARY)) {
        return null;
      }
    }
    return new FlatColumnLookup(leaf, column.getCodec(), dictionaryPage, pageOfRow, positionOfRow);
  }

  /** The Java value at each planned row, converted exactly as the parquet path converts it. */
  Object[] read() throws DecodeException {
    Object[] out = new Object[pageOfRow.length];
    Object[] cell = new Object[1];
    RowMaterializer.Value converter = new RowMaterializer.Value(type, value -> cell[0] = value);
    for (int m = 0; m < out.length; m++) {
      cell[0] = null;
      readOne(pageOfRow[m], positionOfRow[m], converter);
      out[m] = cell[0];
    }
    return out;
  }

  private void readOne(ParsedPage page, int position, RowMaterializer.Value converter) throws DecodeException {
    byte[] body = page.dataBody(codec);
    int levelsFrom;
    int levelsTo;
    if (page.isV2()) {
      levelsFrom = page.v2RepetitionLevelBytes();
      levelsTo = levelsFrom + page.v2DefinitionLevelBytes();
    } else if (maxDefinition > 0) {
      int length = (int) INT_LE.get(body, 0);
      if (length < 0 || length > body.length - 4) {
        throw new IndexOutOfBoundsException("definition levels of " + length + " bytes in a " + body.length
            + "-byte page");
      }
      levelsFrom = 4;
      levelsTo = 4 + length;
    } else {
      levelsFrom = 0;
      levelsTo = 0;
    }
    int k = position;
    if (maxDefinition > 0) {
      long packed = HybridRuns.valueAndCountBefore(body, levelsFrom, levelsTo, levelBitWidth, position, maxDefinition);
      if (HybridRuns.value(packed) != maxDefinition) {
        return; // null
      }
      k = HybridRuns.count(packed);
    }
    int valuesFrom = levelsTo;
    Encoding encoding = page.valueEncoding();
    if (encoding == Encoding.PLAIN) {
      emitPlain(body, valuesFrom, body.length, k, converter);
      return;
    }
    if (valuesFrom >= body.length) {
      throw new IndexOutOfBoundsException("dictionary-encoded page without its bit width byte");
    }
    int bitWidth = body[valuesFrom] & 0xff;
    int index = HybridRuns.valueAt(body, valuesFrom + 1, body.length, bitWidth, k);
    dictionary().emit(index, converter);
  }

  /** Emits the k-th PLAIN value of {@code data[from, to)}. */
  private void emitPlain(byte[] data, int from, int to, int k, RowMaterializer.Value converter) {
    switch (typeName) {
      case BOOLEAN -> {
        int at = from + (k >>> 3);
        if (at >= to) {
          throw new IndexOutOfBoundsException("boolean " + k + " past the values");
        }
        converter.addBoolean((data[at] >>> (k & 7) & 1) != 0);
      }
      case BINARY -> {
        int at = from;
        for (int i = 0; i < k; i++) {
          at = checkedEnd(data, at, to);
        }
        int end = checkedEnd(data, at, to);
        converter.addBinary(Binary.fromConstantByteArray(data, at + 4, end - at - 4));
      }
      default -> {
        long at = from + (long) k * width;
        if (at + width > to) {
          throw new IndexOutOfBoundsException("value " + k + " of " + width + " bytes past the values");
        }
        emitFixed(data, (int) at, converter);
      }
    }
  }

  /** The end of the length-prefixed value at {@code at}. */
  private static int checkedEnd(byte[] data, int at, int to) {
    if (at + 4 > to) {
      throw new IndexOutOfBoundsException("binary length at byte " + at + " past the values");
    }
    int length = (int) INT_LE.get(data, at);
    if (length < 0 || length > to - at - 4) {
      throw new IndexOutOfBoundsException("binary value of " + length + " bytes at byte " + at + " past the values");
    }
    return at + 4 + length;
  }

  private void emitFixed(byte[] data, int at, RowMaterializer.Value converter) {
    switch (typeName) {
      case INT32 -> converter.addInt((int) INT_LE.get(data, at));
      case INT64 -> converter.addLong((long) LONG_LE.get(data, at));
      case FLOAT -> converter.addFloat(Float.intBitsToFloat((int) INT_LE.get(data, at)));
      case DOUBLE -> converter.addDouble(Double.longBitsToDouble((long) LONG_LE.get(data, at)));
      case INT96, FIXED_LEN_BYTE_ARRAY -> converter.addBinary(Binary.fromConstantByteArray(data, at, width));
      default -> throw new IllegalStateException("not a fixed-width type: " + typeName);
    }
  }

  private static int fixedWidth(PrimitiveType type) {
    return switch (type.getPrimitiveTypeName()) {
      case INT32, FLOAT -> 4;
      case INT64, DOUBLE -> 8;
      case INT96 -> 12;
      case FIXED_LEN_BYTE_ARRAY -> type.getTypeLength();
      case BOOLEAN, BINARY -> 0;
    };
  }

  private Dictionary dictionary() throws DecodeException {
    if (dictionary == null) {
      dictionary = new Dictionary(dictionaryPage.dictionaryBody(codec), dictionaryPage.dictionaryEntryCount());
    }
    return dictionary;
  }

  /** A PLAIN dictionary page, indexed once: entry offsets for binary, direct offsets for fixed width. */
  private final class Dictionary {
    private final byte[] data;
    private final int entries;
    private final int[] binaryStarts; // BINARY only: start of each entry's bytes, length in binaryEnds
    private final int[] binaryEnds;

    Dictionary(byte[] data, int entries) {
      this.data = data;
      this.entries = entries;
      if (typeName == PrimitiveTypeName.BINARY) {
        binaryStarts = new int[entries];
        binaryEnds = new int[entries];
        int at = 0;
        for (int i = 0; i < entries; i++) {
          int end = checkedEnd(data, at, data.length);
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

    void emit(int index, RowMaterializer.Value converter) {
      if (index < 0 || index >= entries) {
        throw new IndexOutOfBoundsException("dictionary index " + index + " outside the " + entries + " entries");
      }
      if (binaryStarts != null) {
        converter.addBinary(Binary.fromConstantByteArray(data, binaryStarts[index], binaryEnds[index] - binaryStarts[index]));
      } else {
        emitFixed(data, index * width, converter);
      }
    }
  }
}
