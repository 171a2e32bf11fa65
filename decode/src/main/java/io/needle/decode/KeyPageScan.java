package io.needle.decode;

import io.needle.protocol.proto.Codec;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.format.Encoding;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;

/**
 * The key column's side of the direct path: finds the lookup's keys in a PLAIN key page straight
 * from its bytes, with the same level and value reading as {@link FlatColumnLookup}. Stateless.
 */
final class KeyPageScan {
  private KeyPageScan() {}

  /** Receives the key matches of {@link #scanKeyPage}. */
  interface KeyMatches {
    void match(int position, int ordinal) throws DecodeException;
  }

  /**
   * Scans a flat key column's data page for the lookup's keys straight from its bytes, the way
   * {@link FlatColumnLookup} reads one value, and reports each match by its position in the page.
   * Returns false, having reported nothing, when the page is outside the direct path (another
   * encoding than PLAIN, a repeated or nested key, BIT_PACKED levels): the caller then scans it
   * with parquet's column reader. Why: creating that reader and stepping it through the page was
   * a visible share of a warm lookup's decode, for a column that is almost always PLAIN.
   */
  static boolean scanKeyPage(ColumnDescriptor leaf, Codec codec, ParsedPage page, KeyMatcher keys, KeyMatches sink)
      throws DecodeException {
    if (!FlatColumnLookup.isFlat(leaf) || leaf.getMaxDefinitionLevel() > 1 || !page.isData()
        || page.valueEncoding() != Encoding.PLAIN) {
      return false;
    }
    PrimitiveTypeName typeName = leaf.getPrimitiveType().getPrimitiveTypeName();
    if (typeName == PrimitiveTypeName.BOOLEAN || typeName == PrimitiveTypeName.FLOAT
        || typeName == PrimitiveTypeName.DOUBLE) {
      return false; // not key types
    }
    int maxDefinition = leaf.getMaxDefinitionLevel();
    if (page.isV2() ? page.v2RepetitionLevelBytes() != 0
        : maxDefinition > 0 && page.definitionLevelEncoding() != Encoding.RLE) {
      return false;
    }
    byte[] data = page.dataBody(codec);
    long section = PageLevels.definition(page, data, 0, maxDefinition > 0);
    int levelsFrom = PageLevels.from(section);
    int levelsTo = PageLevels.to(section);
    if (levelsTo > data.length) {
      throw new IndexOutOfBoundsException("definition levels end at byte " + levelsTo + " of a " + data.length
          + "-byte page");
    }
    HybridRuns.Cursor levels = maxDefinition > 0 ? new HybridRuns.Cursor(data, levelsFrom, levelsTo, 1) : null;
    int width = PlainValues.fixedWidth(leaf.getPrimitiveType());
    int values = page.valueCount();
    int at = levelsTo;
    for (int position = 0; position < values; position++) {
      if (levels != null && levels.next() != maxDefinition) {
        continue; // a null key matches nothing
      }
      int ordinal;
      switch (typeName) {
        case INT32 -> {
          PlainValues.checkFits(at, 4, data.length);
          ordinal = keys.ordinalOf((int) PlainValues.INT_LE.get(data, at));
          at += 4;
        }
        case INT64 -> {
          PlainValues.checkFits(at, 8, data.length);
          ordinal = keys.ordinalOf((long) PlainValues.LONG_LE.get(data, at));
          at += 8;
        }
        case BINARY -> {
          int end = PlainValues.checkedEnd(data, at, data.length);
          ordinal = keys.ordinalOf(Binary.fromConstantByteArray(data, at + 4, end - at - 4));
          at = end;
        }
        default -> { // FIXED_LEN_BYTE_ARRAY, INT96
          PlainValues.checkFits(at, width, data.length);
          ordinal = keys.ordinalOf(Binary.fromConstantByteArray(data, at, width));
          at += width;
        }
      }
      if (ordinal >= 0) {
        sink.match(position, ordinal);
      }
    }
    return true;
  }
}
