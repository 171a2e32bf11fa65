package io.needle.bench.gen;

import static java.util.Objects.requireNonNull;

import io.needle.bench.baseline.ParquetReadOptionsFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.GroupWriter;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.apache.parquet.schema.PrimitiveComparator;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;

/**
 * Any table's rows written again in {@code needle gen}'s layout, for the layout benchmark's "same
 * rows, Needle's layout" comparison: sorted by the key across the same number of files, 8 KiB
 * pages of at most 200 rows, the page index, a bloom filter on the key (its dictionary off so
 * the filter is written), SNAPPY, v1 pages, exactly as {@link FeatureTable} writes.
 *
 * <p>Every row is read into memory with parquet-java (the table's schema, taken from its first
 * file, must be every file's) and sorted, so this suits tables of up to a few million rows.
 */
public final class GenLayoutRewrite extends GeneratedFiles {
  private final MessageType schema;
  private final String keyColumn;
  private final List<Group> sorted;

  private GenLayoutRewrite(GenOptions options, MessageType schema, String keyColumn, List<Group> sorted) {
    super(options);
    this.schema = schema;
    this.keyColumn = keyColumn;
    this.sorted = sorted;
  }

  /**
   * Reads every row of {@code files}, sorts them by {@code keyColumn} (a top-level int32, int64 or
   * binary column; rows with a null key last) and writes them into {@code dir} in as many files,
   * in gen's layout; returns the written files in key order.
   */
  public static List<Path> write(List<Path> files, String keyColumn, Path dir) throws IOException {
    requireNonNull(keyColumn, "keyColumn is null");
    requireNonNull(dir, "dir is null");
    if (files.isEmpty()) {
      throw new IllegalArgumentException("no files to rewrite");
    }
    MessageType schema = null;
    List<Group> rows = new ArrayList<>();
    for (Path file : files) {
      try (ParquetFileReader reader = ParquetReadOptionsFactory.open(file)) {
        MessageType fileSchema = reader.getFooter().getFileMetaData().getSchema();
        if (schema == null) {
          schema = fileSchema;
        } else if (!sameColumns(schema, fileSchema)) {
          throw new IllegalArgumentException(file + " has another schema than " + files.get(0) + ": cannot rewrite "
              + "them into one table");
        }
        MessageColumnIO io = new ColumnIOFactory().getColumnIO(fileSchema);
        PageReadStore pages;
        while ((pages = reader.readNextRowGroup()) != null) {
          RecordReader<Group> records = io.getRecordReader(pages, new GroupRecordConverter(fileSchema));
          for (long r = 0, n = pages.getRowCount(); r < n; r++) {
            rows.add(records.read());
          }
        }
      }
    }
    rows.sort(keyOrder(schema, keyColumn));
    GenOptions options = GenOptions.defaults(rows.size(), Math.min(files.size(), rows.size()));
    return new GenLayoutRewrite(options, optionalButKey(schema, keyColumn), keyColumn, rows).write(dir);
  }

  /**
   * Same leaf columns (paths and physical types), whatever the schema names and which fields are
   * required: DuckDB marks a column required in a file where it holds no null and optional in the
   * next file of the same table.
   */
  private static boolean sameColumns(MessageType a, MessageType b) {
    return leaves(a).equals(leaves(b));
  }

  private static List<String> leaves(MessageType schema) {
    return schema.getColumns().stream()
        .map(c -> String.join(".", c.getPath()) + " " + c.getPrimitiveType().getPrimitiveTypeName()).toList();
  }

  /** {@code schema} with every required field but the key optional, so rows of every file fit it. */
  private static MessageType optionalButKey(MessageType schema, String keyColumn) {
    StringBuilder text = new StringBuilder();
    for (String line : schema.toString().split("\n")) {
      boolean key = line.matches("  required \\S+ " + java.util.regex.Pattern.quote(keyColumn) + "[ ;=(].*");
      text.append(key ? line : line.replaceFirst("^(\\s*)required ", "$1optional ")).append('\n');
    }
    return MessageTypeParser.parseMessageType(text.toString());
  }

  private static Comparator<Group> keyOrder(MessageType schema, String keyColumn) {
    if (!schema.containsField(keyColumn) || !schema.getType(keyColumn).isPrimitive()) {
      throw new IllegalArgumentException("the key column " + keyColumn + " is not a top-level primitive column");
    }
    int field = schema.getFieldIndex(keyColumn);
    PrimitiveTypeName type = schema.getType(keyColumn).asPrimitiveType().getPrimitiveTypeName();
    Comparator<Group> byKey = switch (type) {
      case INT32 -> Comparator.comparingInt(g -> g.getInteger(field, 0));
      case INT64 -> Comparator.comparingLong(g -> g.getLong(field, 0));
      case BINARY, FIXED_LEN_BYTE_ARRAY -> (a, b) -> PrimitiveComparator.UNSIGNED_LEXICOGRAPHICAL_BINARY_COMPARATOR
          .compare(a.getBinary(field, 0), b.getBinary(field, 0));
      default -> throw new IllegalArgumentException("cannot sort by a " + type + " key column: " + keyColumn);
    };
    return (a, b) -> {
      boolean aNull = a.getFieldRepetitionCount(field) == 0;
      boolean bNull = b.getFieldRepetitionCount(field) == 0;
      return aNull || bNull ? Boolean.compare(aNull, bNull) : byKey.compare(a, b);
    };
  }

  @Override
  Path writeFile(Path dir, int file) throws IOException {
    Path path = dir.resolve(fileName(file));
    long first = firstRow(file);
    long count = rowCount(file);
    GenWriterBuilder<Group> builder = writer(path, new GroupCopySupport(schema,
        Map.of("needle.gen.rewrite", "sorted by " + keyColumn)), keyColumn, count, List.of(keyColumn));
    try (ParquetWriter<Group> writer = builder.build()) {
      for (long row = first; row < first + count; row++) {
        writer.write(sorted.get((int) row));
      }
    }
    return path;
  }

  /** Writes the groups parquet-java read, as they are. */
  private static final class GroupCopySupport extends GenWriteSupport<Group> {
    private final MessageType schema;
    private GroupWriter groups; // made on the first row: the record consumer arrives after construction

    GroupCopySupport(MessageType schema, Map<String, String> extraMetadata) {
      super(schema, extraMetadata);
      this.schema = schema;
    }

    @Override
    public void write(Group row) {
      if (groups == null) {
        groups = new GroupWriter(out, schema);
      }
      groups.write(row);
    }
  }
}
