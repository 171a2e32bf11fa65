package io.needle.testing;

import static java.util.Objects.requireNonNull;

import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.function.LongFunction;
import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.NanoTime;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/**
 * Writes the matrix of test tables: one table (directory) per key type, each with a different
 * layout, all with the same value columns covering every physical and logical type of
 * docs/values.md, nulls, and nested lists, maps and structs; plus a small {@code needle gen}
 * table.
 *
 * <p>Keys: key index {@code k} (0..{@value #KEYS}-1) maps to an ascending key of the table's
 * type, with gaps between consecutive keys so absent keys exist between present ones. Every
 * tenth key index (k % 10 == 3) has two rows; the last key of each file is also the first key
 * of the next file (a duplicate across files). Values are a deterministic function of
 * (key index, copy); expected rows are read with {@link ParquetOracle}, which uses
 * parquet-java's reader and no Needle code.
 *
 * <p>Layouts spread the axes over the tables rather than multiplying them: codecs
 * UNCOMPRESSED, SNAPPY, GZIP, ZSTD and LZ4_RAW (Hadoop's LZ4 is not written: its
 * codec needs lz4-java, which is not on this module's classpath); v1 and v2 pages; dictionary on
 * and off (v2 without dictionary gives DELTA_BINARY_PACKED, DELTA_BYTE_ARRAY and
 * DELTA_LENGTH_BYTE_ARRAY); BYTE_STREAM_SPLIT; with and without a bloom filter on the key;
 * statistics off on one table, which drops its column indexes (parquet-java has no switch for
 * the page index itself; the offset index stays). {@link TableSpec} reports what the footers
 * really hold. Small pages and row groups give several of each. Total: a few MB, a few seconds.
 */
public final class MatrixTables {
  /** Distinct keys per table. */
  static final int KEYS = 1200;
  private static final int FILES = 2;

  private static final String VALUE_COLUMNS =
      """
        optional boolean v_bool;
        optional int32 v_int32;
        optional int64 v_int64;
        optional int96 v_int96;
        optional float v_float;
        optional double v_double;
        optional binary v_string (STRING);
        optional binary v_enum (ENUM);
        optional binary v_json (JSON);
        optional fixed_len_byte_array(16) v_uuid (UUID);
        optional int32 v_date (DATE);
        optional int32 v_time_ms (TIME(MILLIS,true));
        optional int64 v_time_us (TIME(MICROS,true));
        optional int64 v_time_ns (TIME(NANOS,false));
        optional int64 v_ts_ms (TIMESTAMP(MILLIS,true));
        optional int64 v_ts_us (TIMESTAMP(MICROS,false));
        optional int64 v_ts_ns (TIMESTAMP(NANOS,true));
        optional int32 v_dec_i32 (DECIMAL(9,2));
        optional int64 v_dec_i64 (DECIMAL(18,4));
        optional fixed_len_byte_array(12) v_dec_fixed (DECIMAL(25,3));
        optional binary v_dec_bin (DECIMAL(30,5));
        optional int32 v_i8 (INTEGER(8,true));
        optional int32 v_i16 (INTEGER(16,true));
        optional int32 v_i32 (INTEGER(32,true));
        optional int64 v_i64 (INTEGER(64,true));
        optional int32 v_u8 (INTEGER(8,false));
        optional int32 v_u16 (INTEGER(16,false));
        optional int32 v_u32 (INTEGER(32,false));
        optional int64 v_u64 (INTEGER(64,false));
        optional binary v_binary;
        optional fixed_len_byte_array(5) v_fixed;
        optional group v_list_int (LIST) {
          repeated group list { optional int32 element; }
        }
        optional group v_list_str (LIST) {
          repeated group list { optional binary element (STRING); }
        }
        optional group v_map (MAP) {
          repeated group key_value { required binary key (STRING); optional int32 value; }
        }
        optional group v_struct {
          optional int32 a;
          optional group b (LIST) { repeated group list { optional binary element (STRING); } }
        }
        optional group v_embedding (LIST) {
          repeated group list { required float element; }
        }
      }
      """;

  private MatrixTables() {}

  /** The key types of the matrix, each with its key encoding and layout. */
  private enum KeyKind {
    INT32("required int32 k;", "UNCOMPRESSED, v1, dictionary, bloom",
        CompressionCodecName.UNCOMPRESSED, WriterVersion.PARQUET_1_0, true, false, true, true),
    INT64("required int64 k;", "SNAPPY, v2, no dictionary (DELTA_*), bloom",
        CompressionCodecName.SNAPPY, WriterVersion.PARQUET_2_0, false, false, true, true),
    STRING("required binary k (STRING);", "GZIP, v2, no dictionary (DELTA_BYTE_ARRAY), bloom",
        CompressionCodecName.GZIP, WriterVersion.PARQUET_2_0, false, false, true, true),
    BINARY("required binary k;", "ZSTD, v1, dictionary, no bloom",
        CompressionCodecName.ZSTD, WriterVersion.PARQUET_1_0, true, false, false, true),
    UUID_KEY("required fixed_len_byte_array(16) k (UUID);",
        "LZ4_RAW, v1, no dictionary, BYTE_STREAM_SPLIT, bloom",
        CompressionCodecName.LZ4_RAW, WriterVersion.PARQUET_1_0, false, true, true, true),
    DATE("required int32 k (DATE);", "SNAPPY, v2, dictionary, no statistics, no bloom",
        CompressionCodecName.SNAPPY, WriterVersion.PARQUET_2_0, true, false, false, false),
    TIMESTAMP("required int64 k (TIMESTAMP(MICROS,true));",
        "SNAPPY, v1, no dictionary, BYTE_STREAM_SPLIT, bloom",
        CompressionCodecName.SNAPPY, WriterVersion.PARQUET_1_0, false, true, true, true);

    final String keyField;
    final String layout;
    final CompressionCodecName codec;
    final WriterVersion version;
    final boolean dictionary;
    final boolean byteStreamSplit;
    final boolean bloom;
    final boolean statistics;

    KeyKind(String keyField, String layout, CompressionCodecName codec, WriterVersion version,
        boolean dictionary, boolean byteStreamSplit, boolean bloom, boolean statistics) {
      this.keyField = keyField;
      this.layout = layout;
      this.codec = codec;
      this.version = version;
      this.dictionary = dictionary;
      this.byteStreamSplit = byteStreamSplit;
      this.bloom = bloom;
      this.statistics = statistics;
    }

    /** The key of index {@code k}; index {@code k} and {@code k + 0.5} never collide. */
    Object key(long k) {
      long odd = 2 * k + 1; // even values are the absent keys between
      return switch (this) {
        case INT32 -> (int) odd;
        case INT64 -> 1_000_000_000_000L + 5 * odd;
        case STRING -> String.format("key-%08d", odd);
        case BINARY -> ByteBuffer.allocate(4).putInt((int) odd).array();
        case UUID_KEY -> new UUID(0x1234_5678_9ABC_DEF0L, odd);
        case DATE -> LocalDate.ofEpochDay(18_000 + odd);
        case TIMESTAMP -> Instant.ofEpochSecond(1_700_000_000L + odd, odd * 1_000);
      };
    }

    /** A key between index {@code k - 1} and {@code k} (or below all for k = 0). */
    Object gapKey(long k) {
      long even = 2 * k;
      return switch (this) {
        case INT32 -> (int) even;
        case INT64 -> 1_000_000_000_000L + 5 * even;
        case STRING -> String.format("key-%08d", even);
        case BINARY -> ByteBuffer.allocate(4).putInt((int) even).array();
        case UUID_KEY -> new UUID(0x1234_5678_9ABC_DEF0L, even);
        case DATE -> LocalDate.ofEpochDay(18_000 + even);
        case TIMESTAMP -> Instant.ofEpochSecond(1_700_000_000L + even, even * 1_000);
      };
    }

    void append(Group g, Object key) {
      switch (key) {
        case Integer i -> g.append("k", i);
        case Long l -> g.append("k", l);
        case String s -> g.append("k", s);
        case byte[] b -> g.append("k", Binary.fromConstantByteArray(b));
        case UUID u -> g.append("k", Binary.fromConstantByteArray(uuidBytes(u)));
        case LocalDate d -> g.append("k", (int) d.toEpochDay());
        case Instant t -> g.append("k", t.getEpochSecond() * 1_000_000L + t.getNano() / 1_000);
        default -> throw new IllegalStateException("unexpected key " + key);
      }
    }
  }

  /**
   * Writes every table under {@code dir} (one subdirectory each) and returns their specs.
   * Existing files of the same names are overwritten.
   */
  public static List<TableSpec> write(Path dir) throws IOException {
    requireNonNull(dir, "dir is null");
    List<TableSpec> specs = new ArrayList<>();
    for (KeyKind kind : KeyKind.values()) {
      specs.add(writeTable(dir, kind));
    }
    specs.add(writeFeatureTable(dir));
    return List.copyOf(specs);
  }

  private static TableSpec writeFeatureTable(Path dir) throws IOException {
    GenOptions options = GenOptions.defaults(3_000, 2).withRowGroupBytes(128 * 1024);
    FeatureTable table = new FeatureTable(options);
    Path tableDir = dir.resolve("needle_gen");
    List<Path> files = table.write(tableDir);
    List<Object> present = new ArrayList<>();
    List<Object> absent = new ArrayList<>(List.of(0L, 6L, -1L, Long.MAX_VALUE));
    for (long i = 0; i < options.rows(); i += 97) {
      present.add(table.keyAt(i));
      absent.add(table.keyAt(i) + 1);
    }
    present.add(table.keyAt(options.rows() - 1));
    absent.add(table.keyAt(options.rows() - 1) + 3);
    return spec("needle_gen", tableDir, files, FeatureTable.KEY_COLUMN, present, List.of(),
        absent, "needle gen defaults: SNAPPY, v1, 8 KiB pages, bloom on user_id");
  }

  private static TableSpec writeTable(Path dir, KeyKind kind) throws IOException {
    String name = "key_" + kind.name().toLowerCase(java.util.Locale.ROOT);
    Path tableDir = Files.createDirectories(dir.resolve(name));
    MessageType schema =
        MessageTypeParser.parseMessageType("message matrix {\n  " + kind.keyField + "\n"
            + VALUE_COLUMNS);
    SimpleGroupFactory groups = new SimpleGroupFactory(schema);
    List<Path> files = new ArrayList<>();
    List<Object> duplicates = new ArrayList<>();
    for (int f = 0; f < FILES; f++) {
      long first = (long) KEYS * f / FILES;
      long end = (long) KEYS * (f + 1) / FILES;
      Path path = tableDir.resolve(String.format("part-%05d.parquet", f));
      files.add(path);
      try (ParquetWriter<Group> writer = builder(path, schema, kind).build()) {
        if (f > 0) {
          // the previous file's last key again: a duplicate across files
          writer.write(row(groups, kind, first - 1, 2));
        }
        for (long k = first; k < end; k++) {
          writer.write(row(groups, kind, k, 0));
          if (k % 10 == 3) {
            writer.write(row(groups, kind, k, 1));
            if (duplicates.size() < 10) {
              duplicates.add(kind.key(k));
            }
          }
        }
      }
      if (f > 0) {
        duplicates.add(kind.key(first - 1));
      }
    }
    List<Object> present = new ArrayList<>();
    List<Object> absent = new ArrayList<>();
    for (long k = 0; k < KEYS; k += 53) {
      present.add(kind.key(k));
      absent.add(kind.gapKey(k));
    }
    present.add(kind.key(KEYS - 1));
    absent.add(kind.gapKey(KEYS)); // above every key
    return spec(name, tableDir, files, "k", present, duplicates, absent, kind.layout);
  }

  private static ExampleParquetWriter.Builder builder(Path path, MessageType schema,
      KeyKind kind) {
    ExampleParquetWriter.Builder b = ExampleParquetWriter.builder(new LocalOutputFile(path))
        .withConf(new PlainParquetConfiguration())
        .withType(schema)
        .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
        .withCompressionCodec(kind.codec)
        .withWriterVersion(kind.version)
        .withDictionaryEncoding(kind.dictionary)
        .withByteStreamSplitEncoding(kind.byteStreamSplit)
        .withStatisticsEnabled(kind.statistics)
        .withPageSize(4 * 1024)
        .withPageRowCountLimit(200)
        .withRowGroupSize(96L * 1024)
        .withPageWriteChecksumEnabled(kind.ordinal() % 2 == 0);
    if (kind.bloom) {
      // the key chunk must not be fully dictionary-encoded, or no filter is written
      b = b.withDictionaryEncoding("k", false)
          .withBloomFilterEnabled("k", true)
          .withBloomFilterNDV("k", KEYS);
    }
    return b;
  }

  /** The row of key index {@code k}, copy {@code copy}: values are a function of both. */
  private static Group row(SimpleGroupFactory groups, KeyKind kind, long k, int copy) {
    Group g = groups.newGroup();
    kind.append(g, kind.key(k));
    long h = hash(k * 4 + copy);
    LongFunction<Boolean> present = salt -> (hash(h + salt) & 7) != 0; // ~1 in 8 null
    int n = (int) (h >>> 33);
    if (present.apply(1)) {
      g.append("v_bool", (h & 1) == 0);
    }
    if (present.apply(2)) {
      g.append("v_int32", n);
    }
    if (present.apply(3)) {
      g.append("v_int64", h);
    }
    if (present.apply(4)) {
      g.append("v_int96", new NanoTime(2_440_588 + 19_000 + (int) (k % 1000),
          Math.floorMod(h, 86_400_000_000_000L)));
    }
    if (present.apply(5)) {
      g.append("v_float", k % 97 == 5 ? Float.NaN : (n % 100_000) / 8.0f);
    }
    if (present.apply(6)) {
      g.append("v_double", k % 89 == 7 ? Double.NEGATIVE_INFINITY : h * 0x1.0p-40);
    }
    if (present.apply(7)) {
      g.append("v_string", "s" + k + (copy > 0 ? "#" + copy : "") + " \"é\\\n");
    }
    if (present.apply(8)) {
      g.append("v_enum", new String[] {"RED", "GREEN", "BLUE"}[(int) (k % 3)]);
    }
    if (present.apply(9)) {
      g.append("v_json", "{\"k\":" + k + "}");
    }
    if (present.apply(10)) {
      g.append("v_uuid", Binary.fromConstantByteArray(uuidBytes(new UUID(h, k))));
    }
    if (present.apply(11)) {
      g.append("v_date", (int) (k * 3 - 2000));
    }
    if (present.apply(12)) {
      g.append("v_time_ms", (int) Math.floorMod(h, 86_400_000L));
    }
    if (present.apply(13)) {
      g.append("v_time_us", Math.floorMod(h, 86_400_000_000L));
    }
    if (present.apply(14)) {
      g.append("v_time_ns", Math.floorMod(h, 86_400_000_000_000L));
    }
    if (present.apply(15)) {
      g.append("v_ts_ms", 1_600_000_000_000L + Math.floorMod(h, 100_000_000_000L));
    }
    if (present.apply(16)) {
      g.append("v_ts_us", h >> 12);
    }
    if (present.apply(17)) {
      g.append("v_ts_ns", h);
    }
    if (present.apply(18)) {
      g.append("v_dec_i32", n % 1_000_000_000);
    }
    if (present.apply(19)) {
      g.append("v_dec_i64", h % 1_000_000_000_000_000_000L);
    }
    if (present.apply(20)) {
      g.append("v_dec_fixed", Binary.fromConstantByteArray(
          fixedTwosComplement(BigInteger.valueOf(h).multiply(BigInteger.valueOf(k + 1)), 12)));
    }
    if (present.apply(21)) {
      g.append("v_dec_bin", Binary.fromConstantByteArray(
          BigInteger.valueOf(h >> 20).pow(2).negate().toByteArray()));
    }
    if (present.apply(22)) {
      g.append("v_i8", (int) (byte) h);
    }
    if (present.apply(23)) {
      g.append("v_i16", (int) (short) h);
    }
    if (present.apply(24)) {
      g.append("v_i32", (int) h);
    }
    if (present.apply(25)) {
      g.append("v_i64", h);
    }
    if (present.apply(26)) {
      g.append("v_u8", (int) (h & 0xFF));
    }
    if (present.apply(27)) {
      g.append("v_u16", (int) (h & 0xFFFF));
    }
    if (present.apply(28)) {
      g.append("v_u32", (int) h); // negative ints are the upper half of uint32
    }
    if (present.apply(29)) {
      g.append("v_u64", h); // negative longs are the upper half of uint64
    }
    if (present.apply(30)) {
      g.append("v_binary", Binary.fromConstantByteArray(
          Arrays.copyOf(ByteBuffer.allocate(8).putLong(h).array(), (int) (k % 9))));
    }
    if (present.apply(31)) {
      g.append("v_fixed", Binary.fromConstantByteArray(
          Arrays.copyOf(ByteBuffer.allocate(8).putLong(h).array(), 5)));
    }
    if (present.apply(32)) {
      Group list = g.addGroup("v_list_int");
      for (int i = 0; i < (int) (k % 4); i++) {
        Group e = list.addGroup("list");
        if (i != 1) {
          e.append("element", n + i);
        }
      }
    }
    if (present.apply(33)) {
      Group list = g.addGroup("v_list_str");
      for (int i = 0; i < (int) (k % 3) + 1; i++) {
        Group e = list.addGroup("list");
        if ((k + i) % 5 != 0) {
          e.append("element", "e" + i + "-" + k);
        }
      }
    }
    if (present.apply(34)) {
      Group map = g.addGroup("v_map");
      for (int i = 0; i < (int) (k % 3); i++) {
        Group kv = map.addGroup("key_value");
        kv.append("key", "m" + i);
        if (i != 1) {
          kv.append("value", n - i);
        }
      }
    }
    if (present.apply(35)) {
      Group struct = g.addGroup("v_struct");
      if ((k & 1) == 0) {
        struct.append("a", (int) k);
      }
      if (k % 3 != 0) {
        Group b = struct.addGroup("b");
        for (int i = 0; i < (int) (k % 3); i++) {
          b.addGroup("list").append("element", "b" + i);
        }
      }
    }
    Group embedding = g.addGroup("v_embedding");
    for (int i = 0; i < 4; i++) {
      embedding.addGroup("list").append("element", ((hash(h + 100 + i) >>> 40) - (1 << 23))
          * 0x1.0p-23f);
    }
    return g;
  }

  private static byte[] uuidBytes(UUID u) {
    return ByteBuffer.allocate(16).putLong(u.getMostSignificantBits())
        .putLong(u.getLeastSignificantBits()).array();
  }

  private static byte[] fixedTwosComplement(BigInteger v, int length) {
    byte[] raw = v.toByteArray();
    byte[] out = new byte[length];
    byte fill = v.signum() < 0 ? (byte) 0xFF : 0;
    Arrays.fill(out, fill);
    System.arraycopy(raw, Math.max(0, raw.length - length), out,
        Math.max(0, length - raw.length), Math.min(raw.length, length));
    return out;
  }

  private static long hash(long x) {
    long z = x * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  private static TableSpec spec(String name, Path dir, List<Path> files, String keyColumn,
      List<Object> present, List<Object> duplicates, List<Object> absent, String layout)
      throws IOException {
    return TableSpec.read(name, dir, files, keyColumn, present, duplicates, absent, layout);
  }
}
