package io.needle.bench.baseline;

import static java.util.Objects.requireNonNull;
import static org.apache.parquet.filter2.predicate.FilterApi.binaryColumn;
import static org.apache.parquet.filter2.predicate.FilterApi.eq;
import static org.apache.parquet.filter2.predicate.FilterApi.intColumn;
import static org.apache.parquet.filter2.predicate.FilterApi.longColumn;

import io.needle.bench.harness.LookupTarget;
import io.needle.bench.harness.Workload;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.filter2.predicate.FilterPredicate;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;

/**
 * The baseline a user would otherwise write: parquet-java's own reader with filter pushdown on
 * ({@code eq(key column, key)} on an int64, int32 or string column: row-group statistics,
 * dictionary, bloom filter, column index and record-level filtering), materializing the matching
 * rows as parquet-java's example {@link Group}s. The key column is always read too, so that each
 * row's key is checked. This is what {@code ParquetReader} does inside; it is built from
 * {@link ParquetFileReader#readNextFilteredRowGroup} because {@code ParquetReader.build()} needs
 * hadoop-mapreduce on the classpath (see {@link ParquetReadOptionsFactory}).
 *
 * <p>Two modes:
 * <ul>
 *   <li>{@link Mode#PER_LOOKUP}: every lookup opens every file of the table (reading its footer),
 *       as a user calling {@code ParquetReader} per lookup over the table's files does; files
 *       whose row groups the statistics rule out cost only the footer read.</li>
 *   <li>{@link Mode#FOOTER_CACHED}: footers are read once and reused; each lookup opens a stream
 *       and a reader over the cached footer (parquet-java then reads only the column index,
 *       offset index and bloom filter of the row groups left, and the matching pages).
 *       parquet-java has no public way to keep the page indexes across readers, so this is its
 *       best path without patching it.</li>
 * </ul>
 *
 * <p>The files are any parquet-java {@link InputFile}s: local files, or S3 objects read with
 * ranged GETs ({@code needle bench --s3}); {@code system} names which in the report.
 *
 * <p>Thread-safe: every lookup opens its own readers; the cached footers are never modified after
 * construction.
 */
public final class ParquetJavaTarget implements LookupTarget {

  /** How much parquet-java state survives between lookups. */
  public enum Mode { PER_LOOKUP, FOOTER_CACHED }

  private final Mode mode;
  private final String system;
  private final List<InputFile> files;
  private final List<ParquetMetadata> footers;
  private final String keyColumn;
  private final List<String> columns;
  private final long maxCalls;

  /** parquet-java on local files. */
  public ParquetJavaTarget(Mode mode, List<Path> files, String keyColumn, List<String> columns, long maxCalls)
      throws IOException {
    this(mode, "parquet-java", files.stream().<InputFile>map(LocalInputFile::new).toList(), keyColumn, columns,
        maxCalls);
  }

  /** parquet-java on {@code files}, reported as {@code system} followed by the mode. */
  public ParquetJavaTarget(Mode mode, String system, List<InputFile> files, String keyColumn, List<String> columns,
      long maxCalls) throws IOException {
    this.mode = requireNonNull(mode, "mode is null");
    this.system = requireNonNull(system, "system is null");
    this.files = List.copyOf(files);
    this.keyColumn = requireNonNull(keyColumn, "keyColumn is null");
    this.columns = List.copyOf(columns);
    this.maxCalls = maxCalls;
    List<ParquetMetadata> f = new ArrayList<>();
    if (mode == Mode.FOOTER_CACHED) {
      for (InputFile in : this.files) {
        try (ParquetFileReader r = new ParquetFileReader(in,
            ParquetReadOptionsFactory.pushdown(FilterCompat.NOOP))) {
          f.add(r.getFooter());
        }
      }
    }
    this.footers = List.copyOf(f);
  }

  @Override
  public String name() {
    return system + (mode == Mode.PER_LOOKUP ? " (opened per lookup)" : " (footer cached)");
  }

  @Override
  public boolean supports(Workload workload) {
    return workload.keysPerCall() == 1 && workload != Workload.COLD;
  }

  @Override
  public long maxCalls() {
    return maxCalls;
  }

  @Override
  public int lookup(Object[] keys) throws IOException {
    int found = 0;
    for (Object key : keys) {
      found += lookupOne(key);
    }
    return found;
  }

  private int lookupOne(Object key) throws IOException {
    FilterCompat.Filter filter = FilterCompat.get(keyEquals(keyColumn, key));
    ParquetReadOptions options = ParquetReadOptionsFactory.pushdown(filter);
    int found = 0;
    for (int i = 0; i < files.size(); i++) {
      InputFile in = files.get(i);
      try (ParquetFileReader reader = mode == Mode.PER_LOOKUP
          ? new ParquetFileReader(in, options)
          : new ParquetFileReader(in, footers.get(i), options, in.newStream())) {
        found += readMatches(reader, filter, key);
      }
    }
    return found;
  }

  /** {@code column == key} for a {@code Long}, {@code Integer} or {@code String} key. */
  private static FilterPredicate keyEquals(String column, Object key) {
    return switch (key) {
      case Long l -> eq(longColumn(column), l);
      case Integer i -> eq(intColumn(column), i);
      case String s -> eq(binaryColumn(column), Binary.fromString(s));
      default -> throw new IllegalArgumentException("unsupported key type " + key.getClass().getName() + ": " + key);
    };
  }

  private static Object keyOf(Group g, String column, Object asked) {
    return switch (asked) {
      case Long l -> g.getLong(column, 0);
      case Integer i -> g.getInteger(column, 0);
      default -> g.getString(column, 0);
    };
  }

  private int readMatches(ParquetFileReader reader, FilterCompat.Filter filter, Object key) throws IOException {
    MessageType fileSchema = reader.getFooter().getFileMetaData().getSchema();
    MessageType requested = project(fileSchema);
    reader.setRequestedSchema(requested);
    MessageColumnIO io = new ColumnIOFactory(reader.getFooter().getFileMetaData().getCreatedBy())
        .getColumnIO(requested, fileSchema, true);
    int found = 0;
    PageReadStore pages;
    while ((pages = reader.readNextFilteredRowGroup()) != null) {
      RecordReader<Group> records = io.getRecordReader(pages, new GroupRecordConverter(requested), filter);
      for (long r = 0, n = pages.getRowCount(); r < n; r++) {
        Group g = records.read();
        if (g == null || records.shouldSkipCurrentRecord()) {
          continue;
        }
        if (!keyOf(g, keyColumn, key).equals(key)) {
          throw new IllegalStateException(name() + ": key " + key + " returned row " + g);
        }
        found++;
      }
    }
    return found;
  }

  private MessageType project(MessageType fileSchema) {
    List<Type> fields = new ArrayList<>(columns.size() + 1);
    if (!columns.contains(keyColumn)) {
      fields.add(fileSchema.getType(keyColumn));
    }
    for (String c : columns) {
      fields.add(fileSchema.getType(c));
    }
    return new MessageType(fileSchema.getName(), fields);
  }

  @Override
  public void close() {}
}
