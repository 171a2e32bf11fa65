package io.needle.decode;

import io.needle.protocol.proto.Codec;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.format.Encoding;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;


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
 * goes through {@link ValueConverter}, the parquet path's own converter, so both paths
 * produce identical Java values.
 *
 * <p>Lists of primitives ({@link Shape#LIST}: a LIST group over one repeated primitive, 2- or
 * 3-level, or a top-level repeated primitive) take the same road with repetition levels: the
 * row's entries start at the {@code (r - f)}-th repetition level 0 of the page (offset-indexed
 * pages begin at row boundaries) and run until the next 0; the definition level of the first
 * says null list or empty list, of each entry null element or value, and non-null values before
 * the row say where its first value is. Most lookups of feature and embedding tables read such a
 * field, and parquet's record assembly for it alone cost as much as every flat field together.
 *
 * <p>{@link #plan} answers null whenever anything is outside that common case (a page of unknown
 * first row, another encoding, a row not on the pages given, BIT_PACKED levels, ...): the field
 * then goes through the parquet path unchanged, which also reports its errors the usual way.
 *
 * <p>Not thread-safe: one instance belongs to one decode call.
 */
final class FlatColumnLookup {
  /** The response's pages, parsed on demand (one cache per decode call). */
  interface Pages {
    ParsedPage page(int index) throws DecodeException;
  }

  /** The field shapes read here; anything else goes through parquet's record assembly. */
  enum Shape {
    /** A top-level primitive, not repeated: one value or null per row. */
    SCALAR,
    /** A list of primitives: null, or a list of values and null elements, per row. */
    LIST
  }

  private final Shape shape;
  private final PrimitiveType type;
  private final PrimitiveTypeName typeName;
  private final int width; // bytes of a fixed-width value; 0 for BOOLEAN and BINARY
  private final int maxDefinition;
  private final int levelBitWidth;
  /** LIST: the definition level from which the list is not null, and from which it has an entry. */
  private final int listDefined;
  private final int entryDefined;
  private final Codec codec;
  private final ParsedPage dictionaryPage;
  private final ParsedPage[] pageOfRow;
  private final int[] positionOfRow;
  private DictionaryValues dictionary;

  private FlatColumnLookup(Shape shape, Type field, ColumnDescriptor leaf, Codec codec, ParsedPage dictionaryPage,
      ParsedPage[] pageOfRow, int[] positionOfRow) {
    this.shape = shape;
    this.listDefined = field.isRepetition(Type.Repetition.OPTIONAL) ? 1 : 0;
    this.entryDefined = listDefined + 1;
    this.type = leaf.getPrimitiveType();
    this.typeName = type.getPrimitiveTypeName();
    this.width = PlainValues.fixedWidth(type);
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
   * How the top-level {@code field} whose only leaf is {@code leaf} is read here, or null when it
   * is not (it then goes through parquet's record assembly). The list shapes are exactly those
   * that {@link RowMaterializer} turns into a list of primitive values.
   */
  static Shape shapeOf(Type field, ColumnDescriptor leaf) {
    if (isFlat(leaf)) {
      return leaf.getMaxDefinitionLevel() <= 1 ? Shape.SCALAR : null;
    }
    if (leaf.getMaxRepetitionLevel() != 1 || leaf.getMaxDefinitionLevel() > 3) {
      return null;
    }
    String[] path = leaf.getPath();
    if (path.length == 1) {
      return field.isRepetition(Type.Repetition.REPEATED) ? Shape.LIST : null; // repeated primitive
    }
    if (field.isPrimitive() || field.isRepetition(Type.Repetition.REPEATED)
        || !(field.getLogicalTypeAnnotation() instanceof LogicalTypeAnnotation.ListLogicalTypeAnnotation)) {
      return null;
    }
    GroupType list = field.asGroupType();
    if (list.getFieldCount() != 1 || !list.getType(0).isRepetition(Type.Repetition.REPEATED)) {
      return null;
    }
    Type repeated = list.getType(0);
    if (path.length == 2) {
      return repeated.isPrimitive() ? Shape.LIST : null; // 2-level: the repeated primitive is the element
    }
    if (path.length != 3 || repeated.isPrimitive()) {
      return null;
    }
    GroupType entry = repeated.asGroupType();
    boolean elementIsEntry = entry.getFieldCount() != 1 || entry.getName().equals("array")
        || entry.getName().equals(list.getName() + "_tuple");
    return !elementIsEntry && entry.getType(0).isPrimitive() && !entry.getType(0).isRepetition(Type.Repetition.REPEATED)
        ? Shape.LIST : null; // 3-level: the repeated group wraps one element
  }

  /**
   * The lookup of {@code rows} (ascending) in a flat leaf's pages, or null when the fast path does
   * not apply to them. Reads page headers only.
   */
  static FlatColumnLookup plan(Type field, ColumnDescriptor leaf, AnswerHeader answer, int column, long rowGroupRows, long[] rows,
      int rowCount, Pages pages) throws DecodeException {
    Shape shape = shapeOf(field, leaf);
    if (shape == null || rowCount == 0) {
      return null;
    }
    PrimitiveTypeName typeName = leaf.getPrimitiveType().getPrimitiveTypeName();
    ParsedPage[] pageOfRow = new ParsedPage[rowCount];
    int[] positionOfRow = new int[rowCount];
    boolean usesDictionary = false;
    int p = 0;
    int count = answer.dataPageCount(column);
    for (int i = 0; i < count; i++) {
      long first = answer.firstRow(column, i);
      if (first < 0 || (i + 1 < count && answer.firstRow(column, i + 1) <= first)) {
        return null; // unknown or unordered first rows: the parquet path handles (or reports) them
      }
    }
    for (int m = 0; m < rowCount; m++) {
      long row = rows[m];
      // Advance to the page holding the row: the last page whose first row is at or before it.
      while (p + 1 < count && answer.firstRow(column, p + 1) >= 0 && answer.firstRow(column, p + 1) <= row) {
        p++;
      }
      if (p >= count) {
        return null;
      }
      long first = answer.firstRow(column, p);
      long end = p + 1 < count ? answer.firstRow(column, p + 1) : rowGroupRows;
      if (first < 0 || row < first || row >= end) {
        return null;
      }
      ParsedPage page = pages.page(answer.dataPage(column, p));
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
        if (shape == Shape.SCALAR && page.v2RepetitionLevelBytes() != 0) {
          return null;
        }
      } else if ((leaf.getMaxDefinitionLevel() > 0 && page.definitionLevelEncoding() != Encoding.RLE)
          || (shape == Shape.LIST && page.repetitionLevelEncoding() != Encoding.RLE)) {
        return null;
      }
      pageOfRow[m] = page;
      positionOfRow[m] = (int) (row - first);
    }
    ParsedPage dictionaryPage = null;
    if (usesDictionary) {
      if (answer.dictionaryPage(column) < 0) {
        return null;
      }
      dictionaryPage = pages.page(answer.dictionaryPage(column));
      if (!dictionaryPage.isDictionary() || (dictionaryPage.dictionaryEncoding() != Encoding.PLAIN
          && dictionaryPage.dictionaryEncoding() != Encoding.PLAIN_DICTIONARY)) {
        return null;
      }
    }
    return new FlatColumnLookup(shape, field, leaf, answer.codec(column), dictionaryPage, pageOfRow, positionOfRow);
  }

  /** The Java value at each planned row, converted exactly as the parquet path converts it. */
  Object[] read() throws DecodeException {
    Object[] out = new Object[pageOfRow.length];
    Object[] cell = new Object[1];
    ValueConverter converter = new ValueConverter(type, value -> cell[0] = value);
    for (int m = 0; m < out.length; m++) {
      cell[0] = null;
      if (shape == Shape.SCALAR) {
        readOne(pageOfRow[m], positionOfRow[m], converter);
        out[m] = cell[0];
      } else {
        out[m] = readList(pageOfRow[m], positionOfRow[m], converter, cell);
      }
    }
    return out;
  }

  /** The list at row {@code position} of a page (see the class comment for the level rules). */
  private Object readList(ParsedPage page, int position, ValueConverter converter, Object[] cell)
      throws DecodeException {
    Prefix whole = new Prefix(page, Integer.MAX_VALUE); // levels first, then values: read it all
    byte[] body = whole.data;
    long repetitionLevels = PageLevels.repetition(page, body);
    int repetitionFrom = PageLevels.from(repetitionLevels);
    int repetitionTo = PageLevels.to(repetitionLevels);
    long definitionLevels = PageLevels.definition(page, body, repetitionTo, true);
    int definitionFrom = PageLevels.from(definitionLevels);
    int definitionTo = PageLevels.to(definitionLevels);
    if (definitionTo > body.length) {
      throw new IndexOutOfBoundsException("levels end at byte " + definitionTo + " of a " + body.length + "-byte page");
    }
    HybridRuns.Cursor repetition = new HybridRuns.Cursor(body, repetitionFrom, repetitionTo, 1);
    HybridRuns.Cursor definition = new HybridRuns.Cursor(body, definitionFrom, definitionTo, levelBitWidth);
    int entries = page.valueCount();
    int valuesBefore = 0;
    int rowsStarted = 0;
    int entry = 0;
    int level;
    while (true) { // to the row's first entry, counting the values before it
      if (entry >= entries) {
        throw new IndexOutOfBoundsException("row " + position + " past the page's " + rowsStarted + " rows");
      }
      int r = repetition.next();
      level = checkedLevel(definition.next());
      if (r == 0) {
        if (rowsStarted++ == position) {
          break;
        }
      } else if (entry == 0) {
        throw new IndexOutOfBoundsException("an offset-indexed page starts inside a row (repetition level " + r + ")");
      }
      if (level == maxDefinition) {
        valuesBefore++;
      }
      entry++;
    }
    if (level < listDefined) {
      return null;
    }
    java.util.ArrayList<Object> list = new java.util.ArrayList<>();
    if (level >= entryDefined) {
      ValueCursor values = new ValueCursor(page, whole, definitionTo, valuesBefore);
      while (true) {
        if (level == maxDefinition) {
          cell[0] = null;
          values.emitNext(converter);
          list.add(cell[0]);
        } else {
          list.add(null);
        }
        if (++entry >= entries || repetition.next() != 1) {
          break;
        }
        level = checkedLevel(definition.next());
      }
    }
    return java.util.Collections.unmodifiableList(list);
  }

  private int checkedLevel(int level) {
    if (level > maxDefinition) {
      throw new IndexOutOfBoundsException("definition level " + level + " above the column's " + maxDefinition);
    }
    return level;
  }

  /** Consecutive values of one page from the {@code first}-th on: PLAIN, or dictionary indexes. */
  private final class ValueCursor {
    private final Prefix body;
    private final byte[] data;
    private final int to;
    private final boolean dictionaryEncoded;
    private final HybridRuns.Cursor indexes;
    private int next;
    private int at; // PLAIN BINARY: byte of the next value

    ValueCursor(ParsedPage page, Prefix body, int from, int first) throws DecodeException {
      this.body = body;
      this.data = body.data;
      this.to = data.length;
      this.next = first;
      Encoding encoding = page.valueEncoding();
      this.dictionaryEncoded = encoding != Encoding.PLAIN;
      if (dictionaryEncoded) {
        if (from >= to) {
          throw new IndexOutOfBoundsException("dictionary-encoded page without its bit width byte");
        }
        indexes = new HybridRuns.Cursor(data, from + 1, to, data[from] & 0xff);
        for (int i = 0; i < first; i++) {
          indexes.next();
        }
      } else {
        indexes = null;
        at = from;
        if (typeName == PrimitiveTypeName.BINARY) {
          for (int i = 0; i < first; i++) {
            at = PlainValues.checkedEnd(data, at, to);
          }
        } else {
          at = from;
        }
      }
    }

    void emitNext(ValueConverter converter) throws DecodeException {
      if (dictionaryEncoded) {
        dictionary().emit(indexes.next(), converter);
      } else if (typeName == PrimitiveTypeName.BINARY) {
        int end = PlainValues.checkedEnd(data, at, to);
        PlainValues.emitBinary(data, at, end, converter);
        at = end;
      } else {
        emitPlain(body, at, next, converter);
      }
      next++;
    }
  }

  private void readOne(ParsedPage page, int position, ValueConverter converter) throws DecodeException {
    Prefix body = new Prefix(page, 4); // a V1 page's definition levels start with their length
    byte[] data = body.data;
    long levels = PageLevels.definition(page, data, 0, maxDefinition > 0);
    int levelsFrom = PageLevels.from(levels);
    int levelsTo = PageLevels.to(levels);
    int k = position;
    if (maxDefinition > 0) {
      body.need(levelsTo);
      long packed = HybridRuns.valueAndCountBefore(data, levelsFrom, levelsTo, levelBitWidth, position, maxDefinition);
      if (HybridRuns.value(packed) != maxDefinition) {
        return; // null
      }
      k = HybridRuns.count(packed);
    }
    int valuesFrom = levelsTo;
    Encoding encoding = page.valueEncoding();
    if (encoding == Encoding.PLAIN) {
      emitPlain(body, valuesFrom, k, converter);
      return;
    }
    body.need(data.length); // dictionary indexes: a few hundred bytes of runs, read whole
    if (valuesFrom >= data.length) {
      throw new IndexOutOfBoundsException("dictionary-encoded page without its bit width byte");
    }
    int bitWidth = data[valuesFrom] & 0xff;
    int index = HybridRuns.valueAt(data, valuesFrom + 1, data.length, bitWidth, k);
    dictionary().emit(index, converter);
  }

  /**
   * A data page's body decompressed only as far as the reads so far needed ({@link
   * ParsedPage#dataBodyPrefix}); {@link #need} before reading further. Grows a little ahead, so
   * that hopping over many short values does not call the decompressor once per value.
   */
  private final class Prefix {
    private static final int AHEAD = 1024;
    private final ParsedPage page;
    final byte[] data;
    private int valid;

    Prefix(ParsedPage page, int first) throws DecodeException {
      this.page = page;
      this.data = page.dataBodyPrefix(codec, first);
      this.valid = page.availableBytes();
    }

    void need(int end) throws DecodeException {
      if (end > valid) {
        page.dataBodyPrefix(codec, end > data.length - AHEAD ? data.length : end + AHEAD);
        valid = page.availableBytes();
      }
    }
  }

  /** Emits the k-th PLAIN value of the values starting at {@code from}. */
  private void emitPlain(Prefix body, int from, int k, ValueConverter converter) throws DecodeException {
    byte[] data = body.data;
    int to = data.length;
    switch (typeName) {
      case BOOLEAN -> {
        int at = from + (k >>> 3);
        if (at >= to) {
          throw new IndexOutOfBoundsException("boolean " + k + " past the values");
        }
        body.need(at + 1);
        converter.addBoolean((data[at] >>> (k & 7) & 1) != 0);
      }
      case BINARY -> {
        int at = from;
        for (int i = 0; i < k; i++) {
          body.need(at + 4);
          at = PlainValues.checkedEnd(data, at, to);
        }
        body.need(at + 4);
        int end = PlainValues.checkedEnd(data, at, to);
        body.need(end);
        PlainValues.emitBinary(data, at, end, converter);
      }
      default -> {
        long at = from + (long) k * width;
        if (at + width > to) {
          throw new IndexOutOfBoundsException("value " + k + " of " + width + " bytes past the values");
        }
        body.need((int) at + width);
        PlainValues.emitFixed(typeName, width, data, (int) at, converter);
      }
    }
  }

  private DictionaryValues dictionary() throws DecodeException {
    if (dictionary == null) {
      dictionary = new DictionaryValues(typeName, width, dictionaryPage.dictionaryBody(codec),
          dictionaryPage.dictionaryEntryCount());
    }
    return dictionary;
  }
}
