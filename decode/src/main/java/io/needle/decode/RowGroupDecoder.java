package io.needle.decode;

import org.apache.parquet.VersionParser;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.impl.ColumnReaderImpl;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes the pages of one row group of a lookup response: scans the key column's pages for the
 * requested keys, then materializes the requested fields of each matching row.
 *
 * <p>The seams, as a Parquet reader has them (compare Trino's {@code PageReader}, value decoders
 * and flat/nested column readers, or parquet-java's {@code ColumnReaderImpl} over its
 * {@code ValuesReader}s):
 * <ul>
 *   <li>page header and body: {@link ParsedPage} (header parsed eagerly, CRC checked, body
 *       decompressed lazily), {@link PageLevels} (where a data page's levels lie) and
 *       {@link HybridRuns} (the RLE/bit-packed level and index runs);
 *   <li>value decoders per encoding: {@link PlainValues} and {@link DictionaryValues} on the
 *       direct path; parquet-column's readers ({@link ColumnPageReader}) for every other encoding;
 *   <li>column readers: {@link KeyColumnScan} (the key column, every value), {@link FlatColumnLookup}
 *       (a flat field or a list of primitives at a few rows, straight from the page bytes);
 *   <li>row assembly: {@link RecordAssembly} (parquet's record reader for everything else) and
 *       {@link RowMaterializer} (values into Java objects), merged per row here.
 * </ul>
 *
 * <p>Fast path: a flat field (a top-level primitive, not repeated) or a list of primitives whose
 * pages all have known first rows and a common encoding skips parquet's readers entirely:
 * {@link FlatColumnLookup} reads each wanted value straight from its page, decided per field, so
 * one lookup can mix both paths; PLAIN key pages are scanned the same way. It produces the same
 * rows ({@link #withoutFastPath} exists to test exactly that).
 *
 * <p>Errors: any exception parquet throws while decoding becomes {@code DecodeException(CORRUPT)};
 * the sink is called only after the whole row group decoded, so a corrupt page never produces
 * values, and an exception thrown by the sink propagates as is.
 *
 * <p>Threading: immutable apart from {@link RecordAssembly}'s concurrent cache of column-IO plans;
 * one instance can serve concurrent {@code decode} calls for every row group of files that share a
 * schema.
 */
public final class RowGroupDecoder<R> {
  private final MessageType fileType;
  private final String createdBy;
  private final VersionParser.ParsedVersion writerVersion;
  private final KeyType keyType;
  private final ColumnDescriptor keyDescriptor;
  private final int keyLeaf;
  private final List<ColumnDescriptor> leaves;
  private final String[] outputNames;
  /** Per output field: its index among the schema's top-level fields. */
  private final int[] fieldInSchema;
  /** Per output field: the leaf indexes of its columns. */
  private final int[][] fieldLeaves;
  private final RecordAssembly<R> assembly;
  private final RowFactory<R> rowFactory;
  /** Whether flat fields go through {@link FlatColumnLookup} (off only to compare the two paths). */
  private final boolean fastPath;

  /**
   * @param fields top-level field names in output order; empty means every field in schema order
   * @throws IllegalArgumentException when a field is not a top-level field of the schema
   */
  public RowGroupDecoder(FileSchema schema, String keyColumn, List<String> fields, RowFactory<R> rowFactory)
      throws DecodeException {
    this(schema, java.util.Objects.requireNonNull(keyColumn, "keyColumn is null"), fields, rowFactory, true);
  }

  /**
   * A decoder without key column, for {@link #decodeRows}: materializes rows already known by
   * index (found by another scan, an index, or a test).
   *
   * @param fields top-level field names in output order; empty means every field in schema order
   * @throws IllegalArgumentException when a field is not a top-level field of the schema
   */
  public static <R> RowGroupDecoder<R> forRows(FileSchema schema, List<String> fields, RowFactory<R> rowFactory)
      throws DecodeException {
    return new RowGroupDecoder<>(schema, null, fields, rowFactory, false);
  }

  private RowGroupDecoder(FileSchema schema, String keyColumn, List<String> fields, RowFactory<R> rowFactory,
      boolean keyed) throws DecodeException {
    this.rowFactory = java.util.Objects.requireNonNull(rowFactory, "rowFactory is null");
    this.fastPath = true;
    this.fileType = schema.messageType();
    this.createdBy = schema.createdBy();
    this.writerVersion = parseVersion(createdBy);
    this.leaves = fileType.getColumns();
    this.assembly = new RecordAssembly<>(fileType, createdBy, rowFactory);
    if (keyed) {
      this.keyType = schema.keyType(keyColumn);
      this.keyDescriptor = fileType.getColumnDescription(new String[] {keyColumn});
      this.keyLeaf = leaves.indexOf(keyDescriptor);
    } else {
      this.keyType = null;
      this.keyDescriptor = null;
      this.keyLeaf = -1;
    }
    List<String> names = fields.isEmpty() ? fileType.getFields().stream().map(Type::getName).toList() : fields;
    this.outputNames = names.toArray(String[]::new);
    this.fieldInSchema = new int[outputNames.length];
    this.fieldLeaves = new int[outputNames.length][];
    for (int f = 0; f < outputNames.length; f++) {
      if (!fileType.containsField(outputNames[f])) {
        throw new IllegalArgumentException("no top-level field '" + outputNames[f] + "' in schema " + fileType.getFields()
            .stream().map(Type::getName).toList());
      }
      fieldInSchema[f] = fileType.getFieldIndex(outputNames[f]);
      List<Integer> mine = new ArrayList<>();
      for (int leaf = 0; leaf < leaves.size(); leaf++) {
        if (leaves.get(leaf).getPath()[0].equals(outputNames[f])) {
          mine.add(leaf);
        }
      }
      fieldLeaves[f] = mine.stream().mapToInt(Integer::intValue).toArray();
    }
  }

  private RowGroupDecoder(RowGroupDecoder<R> other, boolean fastPath) {
    this.assembly = other.assembly;
    this.rowFactory = other.rowFactory;
    this.fastPath = fastPath;
    this.fileType = other.fileType;
    this.createdBy = other.createdBy;
    this.writerVersion = other.writerVersion;
    this.keyType = other.keyType;
    this.keyDescriptor = other.keyDescriptor;
    this.keyLeaf = other.keyLeaf;
    this.leaves = other.leaves;
    this.outputNames = other.outputNames;
    this.fieldInSchema = other.fieldInSchema;
    this.fieldLeaves = other.fieldLeaves;
  }

  /**
   * The same decoder with every field read by parquet's record reader, none by the flat-column
   * fast path: the reference the fast path is tested against (differential tests, diagnosis).
   * Slower; rows are identical.
   */
  public RowGroupDecoder<R> withoutFastPath() {
    return new RowGroupDecoder<>(this, false);
  }

  static VersionParser.ParsedVersion parseVersion(String createdBy) {
    if (createdBy == null) {
      return null;
    }
    try {
      return VersionParser.parse(createdBy);
    } catch (VersionParser.VersionParseException | RuntimeException e) {
      return null;
    }
  }

  /**
   * Materializes the given rows of row group {@code rowGroup} of {@code answer}, whose columns
   * list the leaves of the requested fields (no key column first, for a decoder made by
   * {@link #forRows}). The sink's {@code keyOrdinal} is the row's index in {@code rows}.
   *
   * @param rows row indexes within the row group, strictly ascending
   * @throws IllegalArgumentException when rows are not strictly ascending and non-negative
   */
  public void decodeRows(AnswerHeader answer, int rowGroup, PageSegments pages, long[] rows, MatchSink<? super R> sink)
      throws DecodeException {
    Matches matches = new Matches();
    for (long row : rows) {
      if (row < 0 || (matches.count > 0 && row <= matches.rows[matches.count - 1])) {
        throw new IllegalArgumentException("rows must be non-negative and strictly ascending: " + Arrays.toString(rows));
      }
      matches.add(row, matches.count);
    }
    if (matches.count > 0 && matches.rows[matches.count - 1] >= answer.rowCount(rowGroup)) {
      throw new IllegalArgumentException("row " + matches.rows[matches.count - 1] + " beyond the row group's "
          + answer.rowCount(rowGroup) + " rows");
    }
    List<R> decoded;
    try {
      decoded = matches.count == 0 ? List.of() : new Decoding(answer, rowGroup, pages).materialize(matches);
    } catch (ColumnPageReader.DecodeFailure e) {
      throw e.decodeException();
    } catch (RuntimeException e) {
      throw new DecodeException(DecodeException.Kind.CORRUPT,
          "row group " + answer.rowGroupNumber(rowGroup) + " does not decode: " + e, e);
    }
    for (int i = 0; i < matches.count; i++) {
      sink.match(i, matches.rows[i], decoded.get(i));
    }
  }

  /** The key column's type, for converting keys; null for a decoder made by {@link #forRows}. */
  public KeyType keyType() {
    return keyType;
  }

  /** The output field names, in order. */
  public List<String> fieldNames() {
    return List.of(outputNames);
  }

  /**
   * Looks up {@code keys} in row group {@code rowGroup} of {@code answer} (its first column the
   * key column's) and materializes the matching rows.
   *
   * @param pages the response's page segments by index, read in place (heap or direct)
   * @return nanoseconds of it spent decompressing pages (for latency breakdowns)
   * @throws IllegalArgumentException when the matcher's key form does not fit the key column
   */
  public long decode(AnswerHeader answer, int rowGroup, PageSegments pages, KeyMatcher keys, MatchSink<? super R> sink)
      throws DecodeException {
    if (keyType == null) {
      throw new IllegalStateException("a decoder made by forRows has no key column: use decodeRows");
    }
    if (keys.isLong() != keyType.isLong()) {
      throw new IllegalArgumentException(keys + " for key column " + keyType);
    }
    Decoding decoding = new Decoding(answer, rowGroup, pages);
    Matches matches;
    List<R> rows;
    try {
      matches = decoding.scanKeys(keys);
      rows = matches.count == 0 ? List.of() : decoding.materialize(matches);
    } catch (ColumnPageReader.DecodeFailure e) {
      throw e.decodeException();
    } catch (RuntimeException e) {
      throw new DecodeException(DecodeException.Kind.CORRUPT,
          "row group " + answer.rowGroupNumber(rowGroup) + " does not decode: " + e, e);
    }
    for (int i = 0; i < matches.count; i++) {
      sink.match(matches.ordinals[i], matches.rows[i], rows.get(i));
    }
    return decoding.decompressNanos();
  }

  /** Matching rows, ascending, with the ordinal of the key each holds. */
  static final class Matches {
    long[] rows = new long[8];
    int[] ordinals = new int[8];
    int count;

    void add(long row, int ordinal) throws DecodeException {
      if (count > 0 && row <= rows[count - 1]) {
        throw new DecodeException(DecodeException.Kind.CORRUPT,
            "key pages overlap or go backwards: row " + row + " after row " + rows[count - 1]);
      }
      if (count == rows.length) {
        rows = Arrays.copyOf(rows, count * 2);
        ordinals = Arrays.copyOf(ordinals, count * 2);
      }
      rows[count] = row;
      ordinals[count++] = ordinal;
    }
  }

  /** The state of one decode call. */
  private final class Decoding implements RecordAssembly.Columns {
    private final AnswerHeader answer;
    private final int rowGroup;
    /** This call's reader of the response's pages (its own view of direct memory, one header input). */
    private final ParsedPage.Reader pages;
    private final ParsedPage[] parsed;
    /** Leaf -> the answer's column index of its pages. */
    private final Map<Integer, Integer> byLeaf = new HashMap<>();

    Decoding(AnswerHeader answer, int rowGroup, PageSegments segments) throws DecodeException {
      this.answer = answer;
      this.rowGroup = rowGroup;
      this.pages = new ParsedPage.Reader(segments);
      this.parsed = new ParsedPage[segments.count()];
      int first = answer.firstColumn(rowGroup);
      int end = answer.columnEnd(rowGroup);
      if (keyLeaf < 0) {
        for (int c = first; c < end; c++) {
          byLeaf.putIfAbsent(answer.leaf(c), c);
        }
        return;
      }
      if (first == end) {
        throw new DecodeException(DecodeException.Kind.CORRUPT, "row group " + answer.rowGroupNumber(rowGroup)
            + " has no columns");
      }
      if (answer.leaf(first) != keyLeaf) {
        throw new DecodeException(DecodeException.Kind.CORRUPT, "first column is leaf " + answer.leaf(first)
            + ", expected the key column's leaf " + keyLeaf);
      }
      for (int c = first + 1; c < end; c++) {
        byLeaf.putIfAbsent(answer.leaf(c), c);
      }
      byLeaf.putIfAbsent(keyLeaf, first);
    }

    @Override
    public long rowCount() {
      return answer.rowCount(rowGroup);
    }

    @Override
    public AnswerHeader answer() {
      return answer;
    }

    long decompressNanos() {
      long sum = 0;
      for (ParsedPage p : parsed) {
        if (p != null) {
          sum += p.decompressNanos();
        }
      }
      return sum;
    }

    @Override
    public ParsedPage page(int index) throws DecodeException {
      if (index < 0 || index >= parsed.length) {
        throw new DecodeException(DecodeException.Kind.CORRUPT, "page index " + index + " outside the response's "
            + parsed.length + " pages");
      }
      ParsedPage page = parsed[index];
      if (page == null) {
        page = pages.parse(index);
        parsed[index] = page;
      }
      return page;
    }

    @Override
    public DictionaryPage dictionary(int column) throws DecodeException {
      int dictionary = answer.dictionaryPage(column);
      return dictionary < 0 ? null : page(dictionary).dictionaryPage(answer.codec(column));
    }

    Matches scanKeys(KeyMatcher keys) throws DecodeException {
      return KeyColumnScan.scan(this, answer.firstColumn(rowGroup), keyDescriptor, writerVersion, fastPath, keys);
    }

    List<R> materialize(Matches matches) throws DecodeException {
      BitSet sequential = new BitSet();
      for (int f = 0; f < outputNames.length; f++) {
        for (int leaf : fieldLeaves[f]) {
          int column = column(leaf);
          for (int p = 0; p < answer.dataPageCount(column); p++) {
            if (answer.firstRow(column, p) < 0) {
              sequential.set(fieldInSchema[f]);
            }
          }
        }
      }
      BitSet indexed = new BitSet();
      Map<Integer, Object[]> fast = new HashMap<>(); // schema index -> value per match
      for (int f = 0; f < outputNames.length; f++) {
        int schemaIndex = fieldInSchema[f];
        if (sequential.get(schemaIndex) || fast.containsKey(schemaIndex)) {
          continue;
        }
        FlatColumnLookup lookup = null;
        Type field = fileType.getType(schemaIndex);
        if (fastPath && fieldLeaves[f].length == 1
            && FlatColumnLookup.shapeOf(field, leaves.get(fieldLeaves[f][0])) != null) {
          int leaf = fieldLeaves[f][0];
          lookup = FlatColumnLookup.plan(field, leaves.get(leaf), answer, column(leaf), rowCount(), matches.rows,
              matches.count, this);
        }
        if (lookup != null) {
          fast.put(schemaIndex, lookup.read());
        } else {
          indexed.set(schemaIndex);
        }
      }
      Object[][] indexedRecords = indexed.isEmpty() ? null : assembly.readIndexed(this, indexed, matches);
      Object[][] sequentialRecords = sequential.isEmpty() ? null : assembly.readSequential(this, sequential, matches);
      List<R> rows = new ArrayList<>(matches.count);
      for (int m = 0; m < matches.count; m++) {
        Object[] values = new Object[outputNames.length];
        for (int f = 0; f < outputNames.length; f++) {
          int schemaIndex = fieldInSchema[f];
          Object[] fastValues = fast.get(schemaIndex);
          if (fastValues != null) {
            values[f] = fastValues[m];
            continue;
          }
          boolean seq = sequential.get(schemaIndex);
          BitSet group = seq ? sequential : indexed;
          int position = group.get(0, schemaIndex).cardinality();
          values[f] = (seq ? sequentialRecords : indexedRecords)[m][position];
        }
        rows.add(rowFactory.row(outputNames, values));
      }
      return rows;
    }

    @Override
    public int column(int leaf) throws DecodeException {
      Integer column = byLeaf.get(leaf);
      if (column == null) {
        throw new DecodeException(DecodeException.Kind.CORRUPT, "the response has no pages for leaf column " + leaf
            + " (" + Arrays.toString(leaves.get(leaf).getPath()) + ")");
      }
      return column;
    }
  }
}
