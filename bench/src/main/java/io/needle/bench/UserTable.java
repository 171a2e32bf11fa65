package io.needle.bench;

import static java.util.Objects.requireNonNull;

import io.needle.bench.baseline.GroupValueCodec;
import io.needle.bench.baseline.ParquetReadOptionsFactory;
import io.needle.bench.baseline.RedisRows;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnReader;
import org.apache.parquet.column.impl.ColumnReadStoreImpl;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * The user's own table ({@code needle bench --table}) as the bench sees it. Nothing is known
 * about its keys in advance, so they are read, with parquet-java, from the key column only:
 *
 * <ol>
 *   <li>a reservoir sample of up to {@value #SAMPLE_ROWS} rows' keys (seeded): the present keys
 *       draws pick from, each distinct key once;</li>
 *   <li>a second pass that counts every row of each sampled key, across all files (a key may be
 *       in several rows), and checks the absent candidates: each sampled key nudged (an integer
 *       plus one, a string with {@value #ABSENT_SUFFIX} appended), kept only when no row holds it.
 *       When almost every nudged key exists (dense integer keys), keys past the largest one join
 *       them.</li>
 * </ol>
 *
 * Every answer is then checked against those exact counts. Keys are {@code Integer} (int32),
 * {@code Long} (int64) or {@code String} (BYTE_ARRAY annotated STRING) — what Needle's rows,
 * parquet-java and DuckDB all return for those columns, so every system's keys can be compared.
 * Immutable once built.
 */
final class UserTable implements BenchTable {
  /** Rows sampled for present keys: as many as a run's distinct single-key calls. */
  static final int SAMPLE_ROWS = 100_000;
  static final String ABSENT_SUFFIX = "~absent";
  private static final int PAST_MAX_CANDIDATES = 1_000;
  /** Fewer absent keys next to sampled ones than this, and keys past the largest one join them. */
  private static final int MIN_ABSENT_NEAR = 100;

  /** The key column types a user's table may have, and how keys of each are read and nudged. */
  enum KeyKind {
    INT32, INT64, STRING;

    Object read(ColumnReader r) {
      return switch (this) {
        case INT32 -> r.getInteger();
        case INT64 -> r.getLong();
        case STRING -> r.getBinary().toStringUsingUTF8();
      };
    }

    /** A key right next to {@code key} (it may exist; the second pass checks). */
    Object nudge(Object key) {
      return switch (this) {
        case INT32 -> (Integer) key == Integer.MAX_VALUE ? Integer.MAX_VALUE - 1 : (Integer) key + 1;
        case INT64 -> (Long) key == Long.MAX_VALUE ? Long.MAX_VALUE - 1 : (Long) key + 1;
        case STRING -> key + ABSENT_SUFFIX;
      };
    }

    /** The {@code i}-th key past {@code max} (or null when the type has no room left). */
    Object pastMax(Object max, int i) {
      return switch (this) {
        case INT32 -> (Integer) max <= Integer.MAX_VALUE - 1 - i ? (Integer) max + 1 + i : null;
        case INT64 -> (Long) max <= Long.MAX_VALUE - 1 - i ? (Long) max + 1 + i : null;
        case STRING -> max + ABSENT_SUFFIX + i;
      };
    }

    @SuppressWarnings("unchecked")
    int compare(Object a, Object b) {
      return ((Comparable<Object>) a).compareTo(b);
    }

    /** The kind of a key column, or an error that says why the column cannot be a key here. */
    static KeyKind of(Type type, String column, Path file) {
      if (!type.isPrimitive() || type.isRepetition(Type.Repetition.REPEATED)) {
        throw unusable(column, file, type, "a group or repeated field");
      }
      PrimitiveType p = type.asPrimitiveType();
      LogicalTypeAnnotation logical = p.getLogicalTypeAnnotation();
      boolean plainInt = logical == null
          || (logical instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation i && i.isSigned()
              && i.getBitWidth() == (p.getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.INT32 ? 32 : 64));
      KeyKind kind = switch (p.getPrimitiveTypeName()) {
        case INT32 -> plainInt ? INT32 : null;
        case INT64 -> plainInt ? INT64 : null;
        case BINARY -> logical instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation ? STRING : null;
        default -> null;
      };
      if (kind == null) {
        throw unusable(column, file, type, type.toString().trim());
      }
      return kind;
    }

    private static IllegalArgumentException unusable(String column, Path file, Type type, String what) {
      return new IllegalArgumentException("key column '" + column + "' of " + file + " is " + what
          + ": needle bench --table takes int32, int64 or string (BYTE_ARRAY, STRING) keys");
    }
  }

  private final Path location;
  private final List<Path> files;
  private final String keyColumn;
  private final List<String> columns;
  private final KeyKind kind;
  private final Object[] presentKeys;
  private final Object[] absentKeys;
  private final Map<Object, Integer> rowsOfKey;
  private final boolean absentPastMax;

  private UserTable(Path location, List<Path> files, String keyColumn, List<String> columns, KeyKind kind,
      Object[] presentKeys, Object[] absentKeys, Map<Object, Integer> rowsOfKey, boolean absentPastMax) {
    this.location = location;
    this.files = files;
    this.keyColumn = keyColumn;
    this.columns = columns;
    this.kind = kind;
    this.presentKeys = presentKeys;
    this.absentKeys = absentKeys;
    this.rowsOfKey = rowsOfKey;
    this.absentPastMax = absentPastMax;
  }

  /** Lists, validates and samples the table of {@code spec}. */
  static UserTable open(UserTableSpec spec, long seed) throws IOException {
    Path location = spec.location().toAbsolutePath().normalize();
    List<Path> files = ParquetListing.list(location, "--table");
    KeyKind kind = null;
    List<String> columns = null;
    for (Path file : files) {
      MessageType schema;
      try (ParquetFileReader reader = ParquetReadOptionsFactory.open(file)) {
        schema = reader.getFooter().getFileMetaData().getSchema();
      }
      KeyKind k = KeyKind.of(field(schema, spec.keyColumn(), file, "--key-column"), spec.keyColumn(), file);
      if (kind != null && k != kind) {
        throw new IllegalArgumentException("key column '" + spec.keyColumn() + "' is " + kind + " in " + files.get(0)
            + " but " + k + " in " + file);
      }
      kind = k;
      List<String> requested = spec.columns().isEmpty()
          ? schema.getFields().stream().map(Type::getName).toList() : spec.columns();
      for (String c : requested) {
        field(schema, c, file, "--columns");
      }
      if (columns == null) {
        LinkedHashSet<String> keyFirst = new LinkedHashSet<>();
        keyFirst.add(spec.keyColumn());
        keyFirst.addAll(requested);
        columns = List.copyOf(keyFirst);
      }
    }
    return sample(location, files, spec.keyColumn(), columns, kind, seed);
  }

  private static UserTable sample(Path location, List<Path> files, String keyColumn, List<String> columns,
      KeyKind kind, long seed) throws IOException {
    // Pass 1: a reservoir sample of SAMPLE_ROWS rows' keys (Algorithm R), and the largest key.
    Object[] reservoir = new Object[SAMPLE_ROWS];
    long[] seen = {0};
    Object[] max = {null};
    SplittableRandom random = new SplittableRandom(seed);
    forEachKey(files, keyColumn, kind, key -> {
      long n = seen[0]++;
      if (n < SAMPLE_ROWS) {
        reservoir[(int) n] = key;
      } else {
        long j = random.nextLong(n + 1);
        if (j < SAMPLE_ROWS) {
          reservoir[(int) j] = key;
        }
      }
      if (max[0] == null || kind.compare(key, max[0]) > 0) {
        max[0] = key;
      }
    });
    if (seen[0] == 0) {
      throw new IllegalArgumentException("--table " + location + ": key column '" + keyColumn + "' holds no values");
    }
    Set<Object> sampled = new LinkedHashSet<>();
    for (int i = 0; i < Math.min(seen[0], SAMPLE_ROWS); i++) {
      sampled.add(reservoir[i]);
    }
    Set<Object> nudged = new LinkedHashSet<>();
    for (Object key : sampled) {
      nudged.add(kind.nudge(key));
    }
    Set<Object> pastMax = new LinkedHashSet<>();
    for (int i = 0; i < PAST_MAX_CANDIDATES; i++) {
      Object k = kind.pastMax(max[0], i);
      if (k != null) {
        pastMax.add(k);
      }
    }
    // Pass 2: exact row counts of the sampled keys; candidates that exist are dropped.
    Map<Object, Integer> rows = new HashMap<>(sampled.size() * 2);
    for (Object key : sampled) {
      rows.put(key, 0);
    }
    Set<Object> existing = new HashSet<>();
    forEachKey(files, keyColumn, kind, key -> {
      rows.computeIfPresent(key, (k, n) -> n + 1);
      if (nudged.contains(key) || pastMax.contains(key)) {
        existing.add(key);
      }
    });
    nudged.removeAll(existing);
    pastMax.removeAll(existing);
    Set<Object> absent = nudged;
    boolean absentPastMax = nudged.size() < MIN_ABSENT_NEAR;
    if (absentPastMax) {
      absent.addAll(pastMax);
    }
    if (absent.isEmpty()) {
      throw new IllegalStateException("--table " + location + ": found no absent key near the sample or past "
          + max[0]);
    }
    for (Object key : absent) {
      rows.put(key, 0);
    }
    return new UserTable(location, files, keyColumn, columns, kind, sampled.toArray(), absent.toArray(),
        Map.copyOf(rows), absentPastMax);
  }

  /** Calls {@code visitor} with every non-null key of every file, reading the key column alone. */
  private static void forEachKey(List<Path> files, String keyColumn, KeyKind kind, Consumer<Object> visitor)
      throws IOException {
    for (Path file : files) {
      try (ParquetFileReader reader = ParquetReadOptionsFactory.open(file)) {
        MessageType schema = reader.getFooter().getFileMetaData().getSchema();
        MessageType projection = new MessageType(schema.getName(), schema.getType(keyColumn));
        ColumnDescriptor column = projection.getColumnDescription(new String[] {keyColumn});
        reader.setRequestedSchema(projection);
        String createdBy = reader.getFooter().getFileMetaData().getCreatedBy();
        PageReadStore pages;
        while ((pages = reader.readNextRowGroup()) != null) {
          ColumnReader r = new ColumnReadStoreImpl(pages, new GroupRecordConverter(projection).getRootConverter(),
              projection, createdBy).getColumnReader(column);
          // A top-level, non-repeated column has one value (or null) per row.
          for (long i = 0, n = pages.getRowCount(); i < n; i++) {
            if (r.getCurrentDefinitionLevel() == column.getMaxDefinitionLevel()) {
              visitor.accept(kind.read(r));
            }
            r.consume();
          }
        }
      }
    }
  }

  private static Type field(MessageType schema, String name, Path file, String option) {
    if (!schema.containsField(name)) {
      throw new IllegalArgumentException(option + ": " + file + " has no column '" + name + "'; its columns: "
          + String.join(", ", schema.getFields().stream().map(Type::getName).toList()));
    }
    return schema.getType(name);
  }

  @Override
  public String name() {
    return "table " + location;
  }

  @Override
  public Path location() {
    return location;
  }

  @Override
  public List<Path> files() {
    return files;
  }

  @Override
  public String keyColumn() {
    return keyColumn;
  }

  @Override
  public List<String> columns() {
    return columns;
  }

  @Override
  public long keyCount() {
    return presentKeys.length;
  }

  @Override
  public Object presentKey(long index) {
    return presentKeys[(int) index];
  }

  @Override
  public Object absentKey(long index) {
    return absentKeys[(int) (index % absentKeys.length)];
  }

  @Override
  public int rowsOf(Object key) {
    Integer rows = rowsOfKey.get(key);
    if (rows == null) {
      throw new IllegalArgumentException("key " + key + " is neither sampled nor a checked absent key of " + name());
    }
    return rows;
  }

  KeyKind keyKind() {
    return kind;
  }

  int absentKeyCount() {
    return absentKeys.length;
  }

  /** Whether absent keys past the largest key were added (almost every key next to a sampled one exists). */
  boolean absentKeysPastMax() {
    return absentPastMax;
  }

  /**
   * Reads the rows of {@code keys} (the read columns, key first) with parquet-java, one pass
   * over the table checking each row's key, and keeps them as {@link GroupValueCodec} values.
   */
  @Override
  public RedisRows redisRows(Collection<Object> keys) throws IOException {
    Set<Object> wanted = new HashSet<>(keys);
    Map<Object, List<byte[]>> rowsByKey = new HashMap<>();
    MessageType[] projected = {null};
    for (Path file : files) {
      try (ParquetFileReader reader = ParquetReadOptionsFactory.open(file)) {
        MessageType schema = reader.getFooter().getFileMetaData().getSchema();
        MessageType projection = new MessageType(schema.getName(),
            columns.stream().map(schema::getType).toList());
        if (projected[0] == null) {
          projected[0] = projection;
        }
        reader.setRequestedSchema(projection);
        MessageColumnIO io = new ColumnIOFactory(reader.getFooter().getFileMetaData().getCreatedBy())
            .getColumnIO(projection, schema, true);
        PageReadStore pages;
        while ((pages = reader.readNextRowGroup()) != null) {
          RecordReader<Group> records = io.getRecordReader(pages, new GroupRecordConverter(projection));
          for (long r = 0, n = pages.getRowCount(); r < n; r++) {
            Group g = records.read();
            if (g.getFieldRepetitionCount(0) == 0) {
              continue; // a null key
            }
            Object key = switch (kind) {
              case INT32 -> g.getInteger(0, 0);
              case INT64 -> g.getLong(0, 0);
              case STRING -> g.getString(0, 0);
            };
            if (wanted.contains(key)) {
              rowsByKey.computeIfAbsent(key, k -> new ArrayList<>()).add(GroupValueCodec.encodeRow(g, projection));
            }
          }
        }
      }
    }
    MessageType type = requireNonNull(projected[0], "no files");
    Map<Object, byte[]> values = new HashMap<>(rowsByKey.size() * 2);
    rowsByKey.forEach((k, rows) -> values.put(k, GroupValueCodec.joinRows(rows)));
    return new RedisRows() {
      @Override
      public byte[] encode(Object key) {
        return values.get(key);
      }

      @Override
      public int decode(Object key, byte[] value) {
        List<Object[]> rows = GroupValueCodec.decodeRows(value, type);
        for (Object[] row : rows) {
          if (!key.equals(row[0])) {
            throw new IllegalStateException("Redis: key " + key + " returned " + keyColumn + " " + row[0]);
          }
        }
        return rows.size();
      }
    };
  }
}
