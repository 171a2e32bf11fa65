package io.needle.testing;

import io.needle.bench.baseline.ParquetReadOptionsFactory;
import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;

/**
 * The reference reader for lookup tests: reads a Parquet file with parquet-java's own reader
 * ({@link ParquetFileReader}, {@link ColumnIOFactory}, {@link GroupRecordConverter}) and renders
 * rows as the JSON of docs/values.md, to compare byte for byte with the client's
 * {@code Row.toJson()}.
 *
 * <p>Everything Needle-specific is kept out: the values come from parquet-java's decoding, the
 * nesting rules from the schema ({@link GroupValues}), the JSON from the spec
 * ({@link ValueJson}). An instance holds every row of one file in memory, which is what tests
 * with many lookups on one small file want; the static methods read the file each time.
 * Instances are immutable and may be shared between threads.
 */
public final class ParquetOracle {
  private final Path file;
  private final MessageType schema;
  private final List<OracleRow> rows;

  private ParquetOracle(Path file, MessageType schema, List<OracleRow> rows) {
    this.file = file;
    this.schema = schema;
    this.rows = rows;
  }

  /** Reads every row of {@code file} into memory. */
  public static ParquetOracle open(Path file) throws IOException {
    List<OracleRow> rows = new ArrayList<>();
    MessageType schema = forEachRow(file, rows::add);
    return new ParquetOracle(file, schema, List.copyOf(rows));
  }

  /**
   * parquet-java's {@link ParquetFileReader} on {@code file}, for tests that inspect footers,
   * indexes and bloom filters. Use this rather than {@code ParquetFileReader.open}: every public
   * way to build its read options needs hadoop-mapreduce classes absent from the classpath.
   */
  public static ParquetFileReader fileReader(Path file) throws IOException {
    return ParquetReadOptionsFactory.open(requireNonNull(file, "file is null"));
  }

  /** Every row of {@code file}, in file order. */
  public static List<OracleRow> readAll(Path file) throws IOException {
    return open(file).rows();
  }

  /**
   * Streams the rows of {@code file} to {@code sink} in file order, without keeping them, and
   * returns the file's schema.
   */
  public static MessageType forEachRow(Path file, Consumer<OracleRow> sink) throws IOException {
    requireNonNull(file, "file is null");
    requireNonNull(sink, "sink is null");
    try (ParquetFileReader reader = ParquetReadOptionsFactory.open(file)) {
      MessageType schema = reader.getFooter().getFileMetaData().getSchema();
      MessageColumnIO columnIo = new ColumnIOFactory().getColumnIO(schema);
      long rowInFile = 0;
      int rowGroup = 0;
      for (PageReadStore pages = reader.readNextRowGroup(); pages != null;
          pages = reader.readNextRowGroup(), rowGroup++) {
        RecordReader<Group> records =
            columnIo.getRecordReader(pages, new GroupRecordConverter(schema));
        for (long r = 0; r < pages.getRowCount(); r++, rowInFile++) {
          Group g = records.read();
          sink.accept(new OracleRow(rowGroup, r, rowInFile, GroupValues.struct(schema, g)));
        }
      }
      return schema;
    }
  }

  /**
   * The JSON of {@code row} restricted to {@code fields} (top-level names, in the order given);
   * an empty list means every top-level field in schema order.
   */
  public static String json(OracleRow row, List<String> fields) {
    requireNonNull(row, "row is null");
    requireNonNull(fields, "fields is null");
    if (fields.isEmpty()) {
      return ValueJson.value(row.fields());
    }
    List<Object> values = new ArrayList<>(fields.size());
    for (String field : fields) {
      values.add(row.get(field));
    }
    return ValueJson.row(fields, values);
  }

  /**
   * The JSON of every row of {@code file} whose {@code keyColumn} equals {@code key}, in row
   * order; empty when the key is absent.
   *
   * @param key the key as the Java type docs/values.md gives the column (Long, Integer, String,
   *     byte[], UUID, LocalDate, Instant, BigDecimal, ...)
   */
  public static List<String> lookupJson(Path file, String keyColumn, Object key,
      List<String> fields) throws IOException {
    List<String> out = new ArrayList<>();
    forEachRow(file, row -> {
      if (matches(row, keyColumn, key)) {
        out.add(json(row, fields));
      }
    });
    return out;
  }

  /**
   * The value of {@code keyColumn} in {@code row}, as docs/values.md's Java type.
   *
   * @throws IllegalArgumentException when the column does not exist or is not a primitive
   */
  public static Object keyValue(OracleRow row, String keyColumn) {
    Object value = row.get(keyColumn);
    if (value instanceof List<?> || value instanceof java.util.Map<?, ?>
        || value instanceof OracleStruct) {
      throw new IllegalArgumentException("key column " + keyColumn + " is not a primitive: "
          + value.getClass().getSimpleName());
    }
    return value;
  }

  /** Like {@link #lookupJson(Path, String, Object, List)} on the rows held in memory. */
  public List<String> lookupJson(String keyColumn, Object key, List<String> fields) {
    List<String> out = new ArrayList<>();
    for (OracleRow row : rows) {
      if (matches(row, keyColumn, key)) {
        out.add(json(row, fields));
      }
    }
    return out;
  }

  public Path file() {
    return file;
  }

  public MessageType schema() {
    return schema;
  }

  public List<OracleRow> rows() {
    return rows;
  }

  private static boolean matches(OracleRow row, String keyColumn, Object key) {
    requireNonNull(key, "key is null");
    Object value = keyValue(row, keyColumn);
    if (value == null) {
      return false;
    }
    if (value.getClass() != key.getClass()) {
      throw new IllegalArgumentException("key " + key + " is a " + key.getClass().getSimpleName()
          + " but column " + keyColumn + " holds " + value.getClass().getSimpleName());
    }
    return switch (value) {
      case byte[] bytes -> Arrays.equals(bytes, (byte[]) key);
      case BigDecimal d -> d.compareTo((BigDecimal) key) == 0;
      default -> value.equals(key);
    };
  }
}
