package io.needle.bench.gen;

import static java.util.Objects.requireNonNull;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.List;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.RowGroup;
import org.apache.parquet.format.Util;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/**
 * The same logical rows ({@link LayoutRow}) written in one of the {@link Layout}s users have, for
 * {@code needle gen --layout}, the layout benchmark and the layout tests.
 *
 * <p>Keys: key number {@code k} (0..rows-1) has the key {@link #keyAt(long) keyAt(k)}, built from
 * the odd number {@code 2k + 1} (an int32, {@code 10^10 + 2k + 1} as an int64, or
 * {@code id-} and twelve digits as a string, so string order is number order); the even numbers
 * between are {@link #absentKeyAt absent keys}, inside the key range, so statistics cannot rule
 * them out. Every {@value #DUPLICATE_EVERY}th key (k % {@value #DUPLICATE_EVERY} ==
 * {@value #DUPLICATE_AT}) has a second row ({@code version} 1), written in the neighbouring file
 * when there are several: duplicate keys across files.
 *
 * <p>Files: file {@code f} holds the first rows of the keys of {@link TableFiles}' even split and
 * the second rows its neighbour sends it, in key order for sorted layouts and in a seeded random
 * order otherwise. parquet-java writes with its defaults but for the codec, page version, page
 * size and a row-group size of a file's estimated bytes over the layout's row groups per file, so
 * small tables have several row groups too; without a page index, the column and offset indexes
 * parquet-java wrote are cut off and the footer written again without them. DuckDB files are
 * written by {@code COPY} from a staging file parquet-java writes with the same rows.
 *
 * <p>Threading: {@link #write} writes files in parallel, one writer per thread. Immutable.
 */
public final class LayoutTable {
  /** Name of the key column. */
  public static final String KEY_COLUMN = "id";
  public static final long DEFAULT_SEED = 42L;
  static final int DUPLICATE_EVERY = 25;
  static final int DUPLICATE_AT = 7;

  /**
   * Rough bytes of a row as parquet-java sizes a row group: the open pages' raw bytes (~2.7 KB a
   * row, the 1-4 KiB body dominating) where pages are large, the closed pages' compressed bytes
   * (~1 KB) where pages are small and close often.
   */
  private static final long RAW_ROW_BYTES = 2_700;
  private static final long COMPRESSED_ROW_BYTES = 1_000;
  private static final int SMALL_PAGE_BYTES = 64 * 1024;
  private static final long MIN_ROW_GROUP_BYTES = 16 * 1024;
  private static final long INT64_KEY_BASE = 10_000_000_000L;
  private static final String STAGING_PREFIX = "_staging-";
  private static final long STAGING_ROW_GROUP_BYTES = 64L << 20;

  private static final String SCHEMA_TAIL =
      """
        required int32 version;
        required int32 qty;
        required int64 amount;
        required double price;
        required boolean active;
        required int64 updated_at (TIMESTAMP(MICROS,true));
        required binary name (STRING);
        optional binary note (STRING);
        required binary body (STRING);
        required group embedding (LIST) {
          repeated group list {
            required float element;
          }
        }
        optional group attrs {
          required int32 a;
          optional binary b (STRING);
        }
      }
      """;

  private final Layout layout;
  private final long rows;
  private final long seed;
  private final TableFiles split;
  private final MessageType schema;

  public LayoutTable(Layout layout, long rows, long seed) {
    this.layout = requireNonNull(layout, "layout is null");
    if (rows < layout.files() || rows > Integer.MAX_VALUE / 2 - 1) {
      throw new IllegalArgumentException("rows must be in " + layout.files() + ".." + (Integer.MAX_VALUE / 2 - 1)
          + " for " + layout.label() + ": " + rows);
    }
    this.rows = rows;
    this.seed = seed;
    this.split = new TableFiles(rows, layout.files());
    String key = switch (layout.keyType()) {
      case INT32 -> "required int32 id;";
      case INT64 -> "required int64 id;";
      case STRING -> "required binary id (STRING);";
    };
    this.schema = MessageTypeParser.parseMessageType("message layout {\n  " + key + "\n" + SCHEMA_TAIL);
  }

  public Layout layout() {
    return layout;
  }

  /** Distinct keys (rows with {@code version} 0). */
  public long rows() {
    return rows;
  }

  /** The schema parquet-java writes (DuckDB writes every field optional). */
  public MessageType schema() {
    return schema;
  }

  /** The key of key number {@code k}: an Integer, Long or String by the layout's key type. */
  public Object keyAt(long k) {
    if (k < 0 || k >= rows) {
      throw new IndexOutOfBoundsException("k must be in 0.." + (rows - 1) + ": " + k);
    }
    return key(2 * k + 1);
  }

  /** A key no row holds, just below {@code keyAt(k)}; {@code k == rows} gives one above every key. */
  public Object absentKeyAt(long k) {
    if (k < 0 || k > rows) {
      throw new IndexOutOfBoundsException("k must be in 0.." + rows + ": " + k);
    }
    return key(2 * k);
  }

  /** The key number of a present key, or -1 for any other value (absent keys, other types). */
  public long keyNumberOf(Object key) {
    long n = switch (key) {
      case Integer i when layout.keyType() == Layout.KeyType.INT32 -> i;
      case Long l when layout.keyType() == Layout.KeyType.INT64 -> l - INT64_KEY_BASE;
      case String s when layout.keyType() == Layout.KeyType.STRING && s.matches("id-[0-9]{12}") ->
          Long.parseLong(s.substring(3));
      default -> -1;
    };
    return n > 0 && n % 2 == 1 && n / 2 < rows ? n / 2 : -1;
  }

  /** Whether key number {@code k} has two rows. */
  public boolean duplicated(long k) {
    return k % DUPLICATE_EVERY == DUPLICATE_AT;
  }

  /** Rows of key number {@code k}: 1, or 2 for a duplicated key. */
  public int rowsOf(long k) {
    return duplicated(k) ? 2 : 1;
  }

  /** Row {@code copy} (0 or 1) of key number {@code k}. */
  public LayoutRow row(long k, int copy) {
    return LayoutRow.derive(seed, k, copy, keyAt(k));
  }

  /** The file holding row {@code copy} of key number {@code k}. */
  public int fileOf(long k, int copy) {
    int home = split.fileOfRow(k);
    if (copy == 0 || layout.files() == 1) {
      return home;
    }
    return home + 1 < layout.files() ? home + 1 : home - 1;
  }

  /**
   * Writes every file into {@code dir} (created if missing; files of the same names are
   * overwritten) and returns their paths in file order.
   */
  public List<Path> write(Path dir) throws IOException {
    requireNonNull(dir, "dir is null");
    return split.writeAll(dir, file -> writeFile(dir, file));
  }

  private Object key(long n) {
    return switch (layout.keyType()) {
      case INT32 -> (int) n;
      case INT64 -> INT64_KEY_BASE + n;
      case STRING -> String.format("id-%012d", n);
    };
  }

  private Path writeFile(Path dir, int file) throws IOException {
    Path path = dir.resolve(TableFiles.fileName(file));
    long[] fileRows = rowsOfFile(file);
    if (layout.writer() == Layout.Writer.DUCKDB) {
      Path staging = dir.resolve(STAGING_PREFIX + TableFiles.fileName(file));
      try {
        writeParquetJava(staging, fileRows, CompressionCodecName.UNCOMPRESSED, WriterVersion.PARQUET_1_0,
            ParquetProperties.DEFAULT_PAGE_SIZE, STAGING_ROW_GROUP_BYTES);
        copyWithDuckDb(staging, path, (fileRows.length + layout.rowGroupsPerFile() - 1) / layout.rowGroupsPerFile());
      } finally {
        Files.deleteIfExists(staging);
      }
      return path;
    }
    long rowBytes = layout.pageBytes() <= SMALL_PAGE_BYTES ? COMPRESSED_ROW_BYTES : RAW_ROW_BYTES;
    long rowGroupBytes = Math.max(MIN_ROW_GROUP_BYTES, fileRows.length * rowBytes / layout.rowGroupsPerFile());
    writeParquetJava(path, fileRows, layout.codec(),
        layout.v2Pages() ? WriterVersion.PARQUET_2_0 : WriterVersion.PARQUET_1_0, layout.pageBytes(), rowGroupBytes);
    if (!layout.pageIndex()) {
      dropPageIndex(path);
    }
    return path;
  }

  /** The rows of file {@code file} as {@code 2k + copy}, in the order they are written. */
  private long[] rowsOfFile(int file) {
    long from = split.firstRow(Math.max(0, file - 1));
    long to = split.firstRow(Math.min(layout.files(), file + 2));
    long[] out = new long[(int) (to - from) * 2];
    int n = 0;
    for (long k = from; k < to; k++) {
      for (int copy = 0; copy < rowsOf(k); copy++) {
        if (fileOf(k, copy) == file) {
          out[n++] = 2 * k + copy;
        }
      }
    }
    out = Arrays.copyOf(out, n);
    if (!layout.sorted()) {
      SplittableRandom random = new SplittableRandom(seed * 31 + file);
      for (int i = n - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        long t = out[i];
        out[i] = out[j];
        out[j] = t;
      }
    }
    return out;
  }

  private void writeParquetJava(Path path, long[] fileRows, CompressionCodecName codec, WriterVersion version,
      int pageBytes, long rowGroupBytes) throws IOException {
    Map<String, String> meta = Map.of(
        "needle.layout", layout.label(),
        "needle.layout.seed", Long.toString(seed),
        "needle.layout.rows", Long.toString(rows));
    GenWriterBuilder<LayoutRow> builder = new GenWriterBuilder<>(new LocalOutputFile(path),
        new LayoutWriteSupport(schema, meta))
        .withConf(new PlainParquetConfiguration())
        .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
        .withCompressionCodec(codec)
        .withWriterVersion(version)
        .withPageSize(pageBytes)
        .withRowGroupSize(rowGroupBytes);
    try (ParquetWriter<LayoutRow> writer = builder.build()) {
      for (long r : fileRows) {
        writer.write(row(r >>> 1, (int) (r & 1)));
      }
    }
  }

  private void copyWithDuckDb(Path staging, Path target, long rowGroupRows) throws IOException {
    String options = "FORMAT parquet, COMPRESSION " + layout.codec().name().toLowerCase(java.util.Locale.ROOT)
        + ", ROW_GROUP_SIZE " + Math.max(1, rowGroupRows) + (layout.formatV2() ? ", PARQUET_VERSION v2" : "")
        // DuckDB dictionary-encodes a column only while its dictionary stays under this limit
        + (layout.dictionaryKeys() ? ", DICTIONARY_SIZE_LIMIT " + Math.max(1_000_000, 64 * rowGroupRows) : "");
    String sql = "COPY (SELECT * FROM read_parquet(" + quote(staging) + ")" + (layout.sorted() ? " ORDER BY id, version" : "")
        + ") TO " + quote(target) + " (" + options + ")";
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
      s.execute("SET threads TO 1"); // keeps the staging file's row order where nothing sorts it
      s.execute(sql);
    } catch (SQLException e) {
      throw new IOException("DuckDB could not write " + target + ": " + e.getMessage(), e);
    }
  }

  private static String quote(Path p) {
    return "'" + p.toAbsolutePath().toString().replace("'", "''") + "'";
  }

  /**
   * Rewrites {@code file}'s footer without column and offset indexes and cuts the index bytes,
   * which parquet-java writes after the last row group and before the footer.
   */
  private static void dropPageIndex(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    int footerLength = ByteBuffer.wrap(bytes, bytes.length - 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    int footerStart = bytes.length - 8 - footerLength;
    FileMetaData meta = Util.readFileMetaData(new ByteArrayInputStream(bytes, footerStart, footerLength));
    long indexStart = footerStart;
    for (RowGroup rg : meta.getRow_groups()) {
      for (ColumnChunk chunk : rg.getColumns()) {
        if (chunk.isSetColumn_index_offset()) {
          indexStart = Math.min(indexStart, chunk.getColumn_index_offset());
        }
        if (chunk.isSetOffset_index_offset()) {
          indexStart = Math.min(indexStart, chunk.getOffset_index_offset());
        }
        if (chunk.getMeta_data().isSetBloom_filter_offset()) {
          throw new IllegalStateException(file + " has a bloom filter, which the index cut would lose");
        }
        chunk.unsetColumn_index_offset();
        chunk.unsetColumn_index_length();
        chunk.unsetOffset_index_offset();
        chunk.unsetOffset_index_length();
      }
    }
    ByteArrayOutputStream footer = new ByteArrayOutputStream();
    Util.writeFileMetaData(meta, footer);
    try (OutputStream out = Files.newOutputStream(file)) {
      out.write(bytes, 0, (int) indexStart);
      footer.writeTo(out);
      out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(footer.size()).array());
      out.write("PAR1".getBytes(StandardCharsets.US_ASCII));
    }
  }
}
