package io.needle.testing.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.needle.client.Row;
import io.needle.client.Table;
import io.needle.protocol.Frame;
import io.needle.protocol.proto.DescribeRequest;
import io.needle.protocol.proto.DescribeResponse;
import io.needle.protocol.proto.FileDescription;
import io.needle.protocol.proto.Key;
import io.needle.protocol.proto.KeyOrder;
import io.needle.protocol.proto.Request;
import io.needle.protocol.proto.Response;
import io.needle.testing.OracleRow;
import io.needle.testing.ParquetOracle;
import io.netty.buffer.ByteBufUtil;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnReader;
import org.apache.parquet.column.impl.ColumnReadStoreImpl;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.Statistics;
import org.apache.parquet.format.Util;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.apache.parquet.schema.Type;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Key-range pruning never drops a present key, on statistics that are easy to misread: unsigned
 * integers whose files straddle the sign bit, UTF-8 strings with bytes at or above 0x80, files
 * whose statistics are the deprecated min/max of writers before parquet-mr 1.10 (aggregated with
 * a signed comparison), and the whole parquet-testing corpus. The worker names the order of each
 * file's key range in Describe; the client compares in that order. Oracles: the values the test
 * wrote, and parquet-java's reader.
 */
class KeyOrderPruningTest {
  private static final MessageType SCHEMA = MessageTypeParser.parseMessageType("""
      message tricky {
        required int64 u64 (INTEGER(64,false));
        required int32 u32 (INTEGER(32,false));
        required binary s (STRING);
        required int64 i64;
        required int32 row;
      }""");
  private static final int FILES = 4;
  private static final int ROWS = 60;
  private static final long[] U64_BASE = {0, Long.MAX_VALUE - 29, -ROWS, 1_000};    // file 1 straddles 2^63
  private static final int[] U32_BASE = {0, Integer.MAX_VALUE - 29, -ROWS, 1_000};  // file 1 straddles 2^31
  private static final long[] I64_BASE = {-(1L << 40), -30, 1L << 40, 5_000};
  private static final String[][] S_PREFIXES = {{"a", "b"}, {"m", "é"}, {"日本", "ü"}, {"\u007f", "\u0080"}};
  private static final String CREATED_BY_1_8 = "parquet-mr version 1.8.1 (build 4aba4dae7bb0d4edbcf7923ae1339f28fd3f7fcf)";

  @TempDir
  static Path dir;
  static Loopback loopback;
  static Path current;
  static Path legacy;

  @BeforeAll
  static void write() throws Exception {
    current = Files.createDirectories(dir.resolve("current")).toRealPath();
    legacy = Files.createDirectories(dir.resolve("legacy")).toRealPath();
    for (int f = 0; f < FILES; f++) {
      Path file = current.resolve(String.format("part-%d.parquet", f));
      writeFile(file, f);
      rewriteWithLegacyStatistics(file, legacy.resolve(file.getFileName()), f);
    }
    loopback = Loopback.serve(dir.toRealPath(), CorpusLookupTest.CORPUS.resolve("data").toRealPath());
  }

  @AfterAll
  static void stop() {
    if (loopback != null) {
      loopback.close();
    }
  }

  /** The {@code i}-th row of file {@code f}, rows in a shuffled order so no file is sorted. */
  private static long u64(int f, int i) {
    return U64_BASE[f] + i;
  }

  private static int u32(int f, int i) {
    return U32_BASE[f] + i;
  }

  private static long i64(int f, int i) {
    return I64_BASE[f] + i * 7L;
  }

  private static String s(int f, int i) {
    return S_PREFIXES[f][i % 2] + i;
  }

  private static void writeFile(Path path, int f) throws IOException {
    SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
    int[] order = shuffled(f);
    try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(path))
        .withConf(new PlainParquetConfiguration())
        .withType(SCHEMA)
        .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
        .withDictionaryEncoding(false)
        .withPageRowCountLimit(8) // many pages: page statistics prune too
        .build()) {
      for (int i : order) {
        writer.write(groups.newGroup().append("u64", u64(f, i)).append("u32", u32(f, i))
            .append("s", s(f, i)).append("i64", i64(f, i)).append("row", f * ROWS + i));
      }
    }
  }

  private static int[] shuffled(int f) {
    int[] order = new int[ROWS];
    Arrays.setAll(order, i -> i);
    SplittableRandom random = new SplittableRandom(f);
    for (int i = ROWS - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }

  /**
   * The same file as an old parquet-mr would have described it: only the deprecated min/max,
   * aggregated with a signed comparison (signed bytes for strings), no column orders, no page
   * indexes, and an old created_by.
   */
  private static void rewriteWithLegacyStatistics(Path from, Path to, int f) throws IOException {
    byte[] bytes = Files.readAllBytes(from);
    int n = bytes.length;
    int footerLength = ByteBuffer.wrap(bytes, n - 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    int footerStart = n - 8 - footerLength;
    FileMetaData footer = Util.readFileMetaData(new ByteArrayInputStream(bytes, footerStart, footerLength));
    assertThat(footer.getRow_groups()).hasSize(1);
    footer.setCreated_by(CREATED_BY_1_8);
    footer.unsetColumn_orders();
    for (ColumnChunk chunk : footer.getRow_groups().get(0).getColumns()) {
      chunk.unsetColumn_index_offset();
      chunk.unsetColumn_index_length();
      chunk.unsetOffset_index_offset();
      chunk.unsetOffset_index_length();
      ColumnMetaData meta = chunk.getMeta_data();
      String column = meta.getPath_in_schema().get(0);
      byte[][] plain = new byte[ROWS][];
      for (int i = 0; i < ROWS; i++) {
        plain[i] = switch (column) {
          case "u64" -> le(u64(f, i), 8);
          case "u32" -> le(u32(f, i), 4);
          case "i64" -> le(i64(f, i), 8);
          case "row" -> le(f * ROWS + i, 4);
          default -> s(f, i).getBytes(StandardCharsets.UTF_8);
        };
      }
      java.util.Comparator<byte[]> signed = column.equals("s") ? Arrays::compare
          : (a, b) -> Long.compare(signedValue(a), signedValue(b));
      byte[] min = Arrays.stream(plain).min(signed).orElseThrow();
      byte[] max = Arrays.stream(plain).max(signed).orElseThrow();
      meta.setStatistics(new Statistics().setMin(min).setMax(max).setNull_count(0));
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(bytes, 0, footerStart);
    ByteArrayOutputStream serialized = new ByteArrayOutputStream();
    Util.writeFileMetaData(footer, serialized);
    serialized.writeTo(out);
    out.write(le(serialized.size(), 4));
    out.write("PAR1".getBytes(StandardCharsets.US_ASCII));
    Files.write(to, out.toByteArray());
  }

  private static byte[] le(long v, int width) {
    byte[] b = new byte[width];
    for (int i = 0; i < width; i++) {
      b[i] = (byte) (v >>> (8 * i));
    }
    return b;
  }

  private static long signedValue(byte[] plain) {
    return plain.length == 4 ? ByteBuffer.wrap(plain).order(ByteOrder.LITTLE_ENDIAN).getInt()
        : ByteBuffer.wrap(plain).order(ByteOrder.LITTLE_ENDIAN).getLong();
  }

  private static DescribeResponse describe(Path table, String keyColumn) throws Exception {
    Frame frame = loopback.worker.call(Request.newBuilder().setRequestId(1).setDescribe(DescribeRequest.newBuilder()
        .setTableUri(table.toUri().toString()).setKeyColumn(keyColumn)).build()).get(30, TimeUnit.SECONDS);
    try {
      Response response = Response.parseFrom(ByteBufUtil.getBytes(frame.header()));
      assertThat(response.hasError()).as("%s", response.getError()).isFalse();
      return response.getDescribe();
    } finally {
      frame.release();
    }
  }

  /** -1, 0, 1 as {@code a} compares to {@code b} in {@code order}, by the order's definition. */
  private static int compare(KeyOrder order, Key a, Key b) {
    return switch (order) {
      case KEY_ORDER_SIGNED_INT -> Long.compare(a.getIntValue(), b.getIntValue());
      case KEY_ORDER_UNSIGNED_INT -> Long.compareUnsigned(a.getIntValue(), b.getIntValue());
      case KEY_ORDER_UNSIGNED_BYTES -> Arrays.compareUnsigned(a.getBytesValue().toByteArray(), b.getBytesValue().toByteArray());
      default -> throw new IllegalArgumentException("no order: " + order);
    };
  }

  private static void assertRangeHolds(String where, FileDescription file, List<Key> values) {
    assertThat(file.hasKeyMin() && file.hasKeyMax()).as("%s: a range exactly when an order is named", where)
        .isEqualTo(file.getKeyOrder() != KeyOrder.KEY_ORDER_UNKNOWN);
    if (file.getKeyOrder() == KeyOrder.KEY_ORDER_UNKNOWN) {
      return;
    }
    for (Key v : values) {
      assertThat(compare(file.getKeyOrder(), file.getKeyMin(), v)).as("%s: min %s <= %s", where, file.getKeyMin(), v)
          .isLessThanOrEqualTo(0);
      assertThat(compare(file.getKeyOrder(), v, file.getKeyMax())).as("%s: %s <= max %s", where, v, file.getKeyMax())
          .isLessThanOrEqualTo(0);
    }
  }

  /** The values of file {@code f}'s column as lookups carry keys (INT32 sign-extended). */
  private static List<Key> written(String column, int f) {
    List<Key> out = new ArrayList<>();
    for (int i = 0; i < ROWS; i++) {
      out.add(switch (column) {
        case "u64" -> Key.newBuilder().setIntValue(u64(f, i)).build();
        case "u32" -> Key.newBuilder().setIntValue(u32(f, i)).build();
        case "i64" -> Key.newBuilder().setIntValue(i64(f, i)).build();
        default -> Key.newBuilder().setBytesValue(com.google.protobuf.ByteString.copyFromUtf8(s(f, i))).build();
      });
    }
    return out;
  }

  @Test
  void describeNamesTheOrderOfEveryRangeAndEveryWrittenValueLiesInIt() throws Exception {
    Map<String, KeyOrder> currentOrders = Map.of("u64", KeyOrder.KEY_ORDER_UNSIGNED_INT,
        "u32", KeyOrder.KEY_ORDER_UNSIGNED_INT, "s", KeyOrder.KEY_ORDER_UNSIGNED_BYTES, "i64", KeyOrder.KEY_ORDER_SIGNED_INT);
    // Deprecated min/max are trusted for signed integers only: for the others they were
    // aggregated in the wrong order.
    Map<String, KeyOrder> legacyOrders = Map.of("u64", KeyOrder.KEY_ORDER_UNKNOWN,
        "u32", KeyOrder.KEY_ORDER_UNKNOWN, "s", KeyOrder.KEY_ORDER_UNKNOWN, "i64", KeyOrder.KEY_ORDER_SIGNED_INT);
    for (String column : currentOrders.keySet()) {
      for (Path table : List.of(current, legacy)) {
        DescribeResponse d = describe(table, column);
        assertThat(d.getFilesList()).hasSize(FILES);
        for (int f = 0; f < FILES; f++) {
          FileDescription file = d.getFiles(f);
          String where = table.getFileName() + "/" + file.getPath() + "#" + column;
          assertThat(file.getKeyOrder()).as(where)
              .isEqualTo((table == current ? currentOrders : legacyOrders).get(column));
          assertRangeHolds(where, file, written(column, Integer.parseInt(file.getPath().replaceAll("\\D", ""))));
        }
      }
    }
  }

  @Test
  void everyPresentKeyIsFoundAsParquetJavaReadsIt() throws Exception {
    for (Path table : List.of(current, legacy)) {
      List<Path> files;
      try (Stream<Path> s = Files.list(table)) {
        files = s.sorted().toList();
      }
      List<ParquetOracle> oracles = new ArrayList<>();
      for (Path file : files) {
        oracles.add(ParquetOracle.open(file));
      }
      for (String column : List.of("u64", "u32", "s", "i64")) {
        Set<Object> keys = new LinkedHashSet<>();
        for (ParquetOracle oracle : oracles) {
          for (OracleRow row : oracle.rows()) {
            keys.add(ParquetOracle.keyValue(row, column));
          }
        }
        assertThat(keys).hasSize(FILES * ROWS);
        Table t = loopback.table(table, column);
        List<Object> batch = new ArrayList<>(keys);
        Map<Object, List<Row>> found = t.lookupAll(batch, List.of());
        for (int k = 0; k < batch.size(); k++) {
          Object key = batch.get(k);
          List<String> expected = new ArrayList<>();
          for (ParquetOracle oracle : oracles) {
            expected.addAll(oracle.lookupJson(column, key, List.of()));
          }
          assertThat(found.get(key).stream().map(Row::toJson).toList()).as("%s key %s %s", table.getFileName(), column, key)
              .hasSize(1).containsExactlyInAnyOrderElementsOf(expected);
          if (k % 4 == 0) { // one key alone, routed with nothing else in its batch (every 4th: time)
            assertThat(t.lookup(key, List.of()).stream().map(Row::toJson).toList())
                .as("%s %s %s", table.getFileName(), column, key).isEqualTo(expected);
          }
        }
      }
    }
  }

  /** Every non-null value of each of {@code columns} (top-level), as parquet-java's column reader gives it. */
  private static Map<String, List<Key>> physicalValues(Path file, List<String> columns) throws IOException {
    Map<String, List<Key>> out = new java.util.LinkedHashMap<>();
    try (ParquetFileReader reader = ParquetOracle.fileReader(file)) {
      MessageType schema = reader.getFooter().getFileMetaData().getSchema();
      String createdBy = reader.getFooter().getFileMetaData().getCreatedBy();
      for (String name : columns) {
        out.put(name, new ArrayList<>());
      }
      for (PageReadStore pages = reader.readNextRowGroup(); pages != null; pages = reader.readNextRowGroup()) {
        ColumnReadStoreImpl store = new ColumnReadStoreImpl(pages, new GroupRecordConverter(schema).getRootConverter(),
            schema, createdBy);
        for (String name : columns) {
          ColumnDescriptor column = schema.getColumnDescription(new String[] {name});
          ColumnReader values = store.getColumnReader(column);
          for (long i = 0, n = values.getTotalValueCount(); i < n; i++) {
            if (values.getCurrentDefinitionLevel() == column.getMaxDefinitionLevel()) {
              out.get(name).add(switch (column.getPrimitiveType().getPrimitiveTypeName()) {
                case INT32 -> Key.newBuilder().setIntValue(values.getInteger()).build();
                case INT64 -> Key.newBuilder().setIntValue(values.getLong()).build();
                default -> {
                  Binary b = values.getBinary();
                  yield Key.newBuilder().setBytesValue(com.google.protobuf.ByteString.copyFrom(b.getBytes())).build();
                }
              });
            }
            values.consume();
          }
        }
      }
    }
    return out;
  }

  @Test
  void everyCorpusKeyColumnRangeHoldsEveryValueParquetJavaReads() throws Exception {
    Path data = CorpusLookupTest.CORPUS.resolve("data").toRealPath();
    int ranged = 0;
    int values = 0;
    List<String> orders = new ArrayList<>();
    try (Stream<Path> s = Files.list(data)) {
      for (Path file : s.filter(p -> p.toString().endsWith(".parquet")).sorted().toList()) {
        MessageType schema;
        try (ParquetFileReader reader = ParquetOracle.fileReader(file)) {
          schema = reader.getFooter().getFileMetaData().getSchema();
        } catch (Exception | LinkageError unreadable) {
          continue; // parquet-java cannot read it: no oracle
        }
        List<String> keyColumns = schema.getFields().stream().filter(CorpusLookupTest::usableAsKey).map(Type::getName)
            .toList();
        Map<String, List<Key>> physical;
        try {
          physical = physicalValues(file, keyColumns);
        } catch (Exception | LinkageError unreadable) {
          continue; // parquet-java cannot decode it: no oracle
        }
        for (String column : keyColumns) {
          List<Key> read = physical.get(column);
          Frame frame = loopback.worker.call(Request.newBuilder().setRequestId(1).setDescribe(DescribeRequest.newBuilder()
              .setTableUri(file.toUri().toString()).setKeyColumn(column)).build()).get(30, TimeUnit.SECONDS);
          Response response;
          try {
            response = Response.parseFrom(ByteBufUtil.getBytes(frame.header()));
          } finally {
            frame.release();
          }
          if (response.hasError()) {
            continue; // refused files (encrypted, corrupt) have no range to check
          }
          FileDescription d = response.getDescribe().getFiles(0);
          String where = file.getFileName() + "#" + column;
          orders.add(where + "=" + d.getKeyOrder());
          assertRangeHolds(where, d, read);
          if (d.getKeyOrder() != KeyOrder.KEY_ORDER_UNKNOWN) {
            ranged++;
            values += read.size();
          }
        }
      }
    }
    // 164 key columns and 175,336 values at the corpus commit in testdata/parquet-testing/SOURCE
    assertThat(ranged).as("columns with a named order: %s", orders).isGreaterThan(150);
    assertThat(values).as("values checked").isGreaterThan(150_000);
    // Old writers' deprecated min/max of strings are not trusted (parquet-mr 1.8.1, signed bytes).
    assertThat(orders).contains("datapage_v2.snappy.parquet#a=KEY_ORDER_UNKNOWN");
  }
}
