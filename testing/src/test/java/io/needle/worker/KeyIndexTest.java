package io.needle.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.needle.bench.baseline.ParquetReadOptionsFactory;
import io.needle.metadata.FilePlan;
import io.needle.metadata.FileVersion;
import io.needle.metadata.KeyRows;
import io.needle.metadata.Keys;
import io.needle.metadata.LookupSpec;
import io.needle.metadata.MetadataCache;
import io.needle.metadata.MetadataCacheConfig;
import io.needle.pagestore.EvictionPolicy;
import io.needle.pagestore.PageStore;
import io.needle.pagestore.PageStoreConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The key index against parquet-java: files with unsorted keys, duplicates and nulls written by
 * parquet-java in every key type, the index built by the worker's builder, and for every key the
 * rows the index finds compared with the rows parquet-java's reader holds it in.
 */
class KeyIndexTest {
  private static final int ROWS = 9_000;
  private static final ExecutorService LOADER = Executors.newFixedThreadPool(2);

  @TempDir
  static Path dir;

  enum KeyKind {
    INT32("optional int32 k;"),
    INT64("optional int64 k;"),
    UINT32("optional int32 k (INTEGER(32,false));"),
    UINT64("optional int64 k (INTEGER(64,false));"),
    STRING("optional binary k (STRING);"),
    FIXED("optional fixed_len_byte_array(6) k;");

    final String field;

    KeyKind(String field) {
      this.field = field;
    }

    /** The physical key of value index {@code v}: negative ones too, so unsigned order differs from signed. */
    void append(Group g, long v) {
      long spread = v * 0x9E3779B97F4A7C15L;
      switch (this) {
        case INT32, UINT32 -> g.append("k", (int) spread);
        case INT64, UINT64 -> g.append("k", spread);
        case STRING -> g.append("k", "key-" + Long.toHexString(spread));
        case FIXED -> g.append("k", Binary.fromConstantByteArray(ByteBuffer.allocate(8).putLong(spread).array(), 2, 6));
      }
    }
  }

  @AfterAll
  static void stop() {
    LOADER.shutdownNow();
  }

  /** Writes ROWS rows, keys in random order, every 7th value twice, every 11th row null, small pages, v1 or v2. */
  static Path write(KeyKind kind, boolean v2) throws IOException {
    Path path = dir.resolve(kind + (v2 ? "-v2" : "-v1") + ".parquet");
    MessageType schema = MessageTypeParser.parseMessageType("message t { " + kind.field + " required int64 v; }");
    SimpleGroupFactory groups = new SimpleGroupFactory(schema);
    List<Long> values = new ArrayList<>();
    for (long v = 0; v < ROWS; v++) {
      values.add(v);
    }
    SplittableRandom random = new SplittableRandom(kind.ordinal() * 2 + (v2 ? 1 : 0));
    for (int i = values.size() - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      long t = values.get(i);
      values.set(i, values.get(j));
      values.set(j, t);
    }
    try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(path))
        .withConf(new PlainParquetConfiguration())
        .withType(schema)
        .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
        .withCompressionCodec(v2 ? CompressionCodecName.ZSTD : CompressionCodecName.SNAPPY)
        .withWriterVersion(v2 ? WriterVersion.PARQUET_2_0 : WriterVersion.PARQUET_1_0)
        .withDictionaryEncoding(!v2)
        .withPageSize(2048)
        .withRowGroupSize(48L * 1024)
        .build()) {
      for (int row = 0; row < ROWS; row++) {
        Group g = groups.newGroup();
        long v = values.get(row) % (ROWS * 6 / 7); // some values twice or more: duplicates
        if (row % 11 != 5) {
          kind.append(g, v);
        }
        g.append("v", (long) row);
        writer.write(g);
      }
    }
    return path;
  }

  /** parquet-java's reading: the physical key of each row (null for a null key), in file order. */
  static List<Object> keysByRow(Path file) throws IOException {
    List<Object> keys = new ArrayList<>();
    try (ParquetFileReader reader = ParquetReadOptionsFactory.open(file)) {
      MessageType schema = reader.getFooter().getFileMetaData().getSchema();
      PrimitiveTypeName type = schema.getType("k").asPrimitiveType().getPrimitiveTypeName();
      var io = new ColumnIOFactory().getColumnIO(schema);
      for (PageReadStore pages = reader.readNextRowGroup(); pages != null; pages = reader.readNextRowGroup()) {
        RecordReader<Group> records = io.getRecordReader(pages, new GroupRecordConverter(schema));
        for (long r = 0; r < pages.getRowCount(); r++) {
          Group g = records.read();
          if (g.getFieldRepetitionCount("k") == 0) {
            keys.add(null);
            continue;
          }
          keys.add(switch (type) {
            case INT32 -> (long) g.getInteger("k", 0);
            case INT64 -> g.getLong("k", 0);
            default -> ByteBuffer.wrap(g.getBinary("k", 0).getBytes());
          });
        }
      }
    }
    return keys;
  }

  /** The key as the planner hands it to the index, written out from the format's rules. */
  static long normalised(KeyKind kind, long physical) {
    return switch (kind) {
      case UINT32 -> Integer.toUnsignedLong((int) physical);
      case UINT64 -> physical ^ Long.MIN_VALUE;
      default -> physical;
    };
  }

  private static OpenFile open(Path file) throws IOException {
    return new OpenFile(new FileVersion(file.toString(), Files.size(file), "t" + Files.getLastModifiedTime(file).toMillis()),
        FileChannel.open(file));
  }

  private static PageStore store(Path cache) throws IOException {
    return PageStore.open(new PageStoreConfig(cache, 64L << 20, 1 << 20, EvictionPolicy.LRU, false, 8192, "test", false,
        false));
  }

  private static KeyIndex build(MetadataCache metadata, OpenFile file, PageStore store, KeyIndex.ByteHash hash)
      throws Exception {
    return KeyIndexBuilder.build(metadata.keyColumn(file, "k").get(), file, "k", store, hash);
  }

  @ParameterizedTest
  @EnumSource(KeyKind.class)
  void findsExactlyTheRowsParquetJavaHoldsEachKeyIn(KeyKind kind) throws Exception {
    for (boolean v2 : new boolean[] {false, true}) {
      Path file = write(kind, v2);
      Map<Object, TreeSet<Long>> expected = new HashMap<>();
      List<Object> keys = keysByRow(file);
      for (int row = 0; row < keys.size(); row++) {
        if (keys.get(row) != null) {
          expected.computeIfAbsent(keys.get(row), k -> new TreeSet<>()).add((long) row);
        }
      }
      assertThat(expected.values().stream().anyMatch(rows -> rows.size() > 1)).as("duplicates written").isTrue();
      MetadataCache metadata = new MetadataCache(MetadataCacheConfig.defaults(), LOADER);
      OpenFile open = open(file);
      try (PageStore store = store(dir.resolve("cache-" + kind + v2))) {
        KeyIndex index = build(metadata, open, store, KeyIndex.ByteHash.XXHASH64);
        assertThat(index).isNotNull();
        assertThat(index.entries()).isEqualTo(keys.stream().filter(k -> k != null).count());
        for (Map.Entry<Object, TreeSet<Long>> e : expected.entrySet()) {
          assertThat(find(index, kind, e.getKey())).as("%s key %s", kind, e.getKey()).isEqualTo(e.getValue());
        }
        // absent keys: found in no row (a 64-bit hash collision among 9000 keys has odds of 2^-38)
        for (long v = ROWS; v < ROWS + 200; v++) {
          Group g = new SimpleGroupFactory(MessageTypeParser.parseMessageType("message t { " + kind.field + " }")).newGroup();
          kind.append(g, v);
          Object absent = switch (kind) {
            case INT32, UINT32 -> (long) g.getInteger("k", 0);
            case INT64, UINT64 -> g.getLong("k", 0);
            default -> ByteBuffer.wrap(g.getBinary("k", 0).getBytes());
          };
          if (!expected.containsKey(absent)) {
            assertThat(find(index, kind, absent)).as("absent %s", absent).isEmpty();
          }
        }
        // a restarted process reads the same index back from its directory record
        KeyIndex reopened = KeyIndex.open(store, PageCache.versionKey(open), "k",
            kind == KeyKind.STRING || kind == KeyKind.FIXED ? KeyIndex.ByteHash.XXHASH64.id() : 0,
            KeyIndex.ByteHash.XXHASH64.function());
        assertThat(reopened).isNotNull();
        assertThat(reopened.blocks()).isEqualTo(index.blocks());
        Object some = expected.keySet().iterator().next();
        assertThat(find(reopened, kind, some)).isEqualTo(expected.get(some));
      } finally {
        open.release();
      }
    }
  }

  private static TreeSet<Long> find(KeyIndex index, KeyKind kind, Object key) {
    KeyRows.RowList rows = new KeyRows.RowList();
    boolean known = key instanceof Long l ? index.find(normalised(kind, l), rows) : index.find(bytes((ByteBuffer) key), rows);
    assertThat(known).as("the index answers").isTrue();
    return rowsOf(rows);
  }

  private static TreeSet<Long> rowsOf(KeyRows.RowList rows) {
    TreeSet<Long> out = new TreeSet<>();
    for (long r : rows.sortedDistinct()) {
      out.add(r);
    }
    return out;
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }

  @Test
  void aForcedHashCollisionCostsRowsNeverMissesOne() throws Exception {
    Path file = write(KeyKind.STRING, false);
    List<Object> keys = keysByRow(file);
    // eight buckets: every key collides with about an eighth of the others
    KeyIndex.ByteHash weak = new KeyIndex.ByteHash(99, b -> KeyIndex.ByteHash.XXHASH64.function().applyAsLong(b) & 7);
    MetadataCache metadata = new MetadataCache(MetadataCacheConfig.defaults(), LOADER);
    OpenFile open = open(file);
    try (PageStore store = store(dir.resolve("cache-collide"))) {
      KeyIndex index = build(metadata, open, store, weak);
      for (int probe = 0; probe < 300; probe++) {
        int row = probe * 29 % keys.size();
        if (keys.get(row) == null) {
          continue;
        }
        byte[] key = bytes((ByteBuffer) keys.get(row));
        KeyRows.RowList found = new KeyRows.RowList();
        assertThat(index.find(key, found)).isTrue();
        TreeSet<Long> rows = rowsOf(found);
        assertThat(rows).contains((long) row);
        long bucket = weak.function().applyAsLong(key);
        for (long r : rows) {
          Object other = keys.get((int) r);
          assertThat(other).isNotNull();
          assertThat(weak.function().applyAsLong(bytes((ByteBuffer) other))).isEqualTo(bucket);
        }
        assertThat(rows.size()).as("a collision costs rows").isGreaterThan(ROWS / 16);
      }
      // an index built with one hash is never read with another
      assertThat(KeyIndex.open(store, PageCache.versionKey(open), "k", KeyIndex.ByteHash.XXHASH64.id(),
          KeyIndex.ByteHash.XXHASH64.function())).isNull();
    } finally {
      open.release();
    }
  }

  @Test
  void anEvictedBlockMakesTheIndexAnswerUnknownAndThePlanFallsBackToStatistics() throws Exception {
    Path file = write(KeyKind.INT64, false);
    List<Object> keys = keysByRow(file);
    MetadataCache metadata = new MetadataCache(MetadataCacheConfig.defaults(), LOADER);
    OpenFile open = open(file);
    try (PageStore store = store(dir.resolve("cache-evict"))) {
      KeyIndex index = build(metadata, open, store, KeyIndex.ByteHash.XXHASH64);
      String version = PageCache.versionKey(open);
      long key = (Long) keys.get(1);
      LookupSpec spec = new LookupSpec("k", Keys.ofLongs(key), List.of("v"));
      FilePlan exact = metadata.plan(open, spec, index).get();
      FilePlan statistics = metadata.plan(open, spec).get();
      assertThat(pages(exact)).isLessThan(pages(statistics));
      for (int b = 1; b <= index.blocks(); b++) {
        store.invalidate(KeyIndex.recordKey(version, "k", b)); // as eviction would
      }
      KeyRows.RowList rows = new KeyRows.RowList();
      assertThat(index.find(key, rows)).as("unknown, not absent").isFalse();
      assertThat(index.doubted()).isTrue();
      assertThat(metadata.plan(open, spec, index).get()).isEqualTo(statistics);
      KeyIndex rebuilt = build(metadata, open, store, KeyIndex.ByteHash.XXHASH64);
      assertThat(metadata.plan(open, spec, rebuilt).get()).isEqualTo(exact);
    } finally {
      open.release();
    }
  }

  private static int pages(FilePlan plan) {
    return plan.rowGroups().stream().mapToInt(rg -> rg.columns().stream().mapToInt(c -> c.dataPages().size()).sum()).sum();
  }
}
