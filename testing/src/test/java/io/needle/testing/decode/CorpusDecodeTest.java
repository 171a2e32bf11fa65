package io.needle.testing.decode;

import io.needle.client.Row;
import io.needle.decode.DecodeException;
import io.needle.decode.FileSchema;
import io.needle.decode.KeyMatcher;
import io.needle.decode.KeyType;
import io.needle.decode.RowGroupDecoder;
import io.needle.testing.OracleRow;
import io.needle.testing.ParquetOracle;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Every file of the parquet-testing corpus through the client decoder, compared with
 * parquet-java's reader ({@link ParquetOracle}): for each row group, every distinct non-null key
 * of a key column is looked up, and each matching row's JSON must equal the oracle's, for every
 * field, with first rows known (offset index / headers) and unknown, from heap and from direct
 * buffers (the client decodes a Netty reply's direct memory in place).
 */
class CorpusDecodeTest {
  private static final int MAX_ROW_GROUPS = 3;
  private static final int MAX_KEYS = 2_000;
  /** Where the pages lie: a heap buffer, then a direct one. */
  private static final boolean[] DIRECT = {false, true};

  @TestFactory
  Stream<DynamicTest> goodFiles() throws IOException {
    try (Stream<Path> files = Files.list(WorkerResponse.corpus().resolve("data"))) {
      return files.filter(p -> p.toString().endsWith(".parquet")).sorted()
          .map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> checkFile(p))).toList().stream();
    }
  }

  private static void checkFile(Path path) throws Exception {
    WorkerResponse response;
    try {
      response = new WorkerResponse(path);
    } catch (WorkerResponse.EncryptedOrInvalid e) {
      return; // encrypted footer: the worker rejects it before any page reaches the client
    }
    String name = path.getFileName().toString();
    if (NO_ORACLE.containsKey(name)) {
      NO_ORACLE.get(name).check(path, response);
      return;
    }
    if (name.contains("corrupt-checksum")) {
      expectFailure(path, response, DecodeException.Kind.CORRUPT);
      return;
    }
    List<OracleRow> oracle = ParquetOracle.readAll(path);
    FileSchema schema = FileSchema.parse(response.schemaBytes());
    MessageType type = schema.messageType();
    checkAllRows(path, response, schema, oracle);
    String keyColumn = pickKeyColumn(schema, oracle);
    if (keyColumn == null) {
      return;
    }
    List<ColumnDescriptor> leaves = type.getColumns();
    boolean[] flat = new boolean[leaves.size()];
    for (int i = 0; i < flat.length; i++) {
      flat[i] = leaves.get(i).getMaxRepetitionLevel() == 0;
    }
    int keyLeaf = leaves.indexOf(type.getColumnDescription(new String[] {keyColumn}));
    KeyType keyType = schema.keyType(keyColumn);
    RowGroupDecoder<Row> decoder = new RowGroupDecoder<>(schema, keyColumn, List.of(), Row::of);
    FileMetaData footer = response.footer;
    for (int rg : WorkerResponse.rowGroupIndexes(footer, MAX_ROW_GROUPS)) {
      Map<Long, String> expected = new TreeMap<>();
      Map<Long, Object> keyOfRow = new LinkedHashMap<>();
      for (OracleRow row : oracle) {
        if (row.rowGroup() == rg && row.get(keyColumn) != null) {
          expected.put(row.rowInGroup(), ParquetOracle.json(row, List.of()));
          keyOfRow.put(row.rowInGroup(), row.get(keyColumn));
        }
      }
      List<Object> keys = distinctKeys(keyOfRow.values(), keyType);
      KeyMatcher matcher = matcher(keys, keyType);
      for (WorkerResponse.FirstRows mode : WorkerResponse.FirstRows.values()) {
        WorkerResponse.Built built = response.build(rg, keyLeaf, mode, flat);
        for (boolean direct : DIRECT) {
          Map<Long, String> actual = new TreeMap<>();
          try {
            decoder.decode(built.answer(), 0, built.pages(direct), matcher, (ordinal, row, value) -> {
              assertThat(actual).doesNotContainKey(row);
              assertThat(same(keys.get(ordinal), keyOfRow.get(row), keyType)).as("key ordinal of row %s", row).isTrue();
              actual.put(row, value.toJson());
            });
          } catch (DecodeException e) {
            if (e.kind() == DecodeException.Kind.UNSUPPORTED && unsupportedCodec(built)) {
              return;
            }
            throw new AssertionError(path.getFileName() + " row group " + rg + " " + mode + " direct " + direct + ": " + e, e);
          }
          if (keys.size() < keyOfRow.size() && keys.size() == MAX_KEYS) {
            expected.keySet().retainAll(actual.keySet());
          }
          assertThat(actual).as("%s row group %s, first rows %s, key %s, direct %s", path.getFileName(), rg, mode,
              keyColumn, direct).isEqualTo(expected);
        }
      }
    }
  }

  /** Every row of each row group through {@link RowGroupDecoder#decodeRows}, all fields, then a projection. */
  private static void checkAllRows(Path path, WorkerResponse response, FileSchema schema, List<OracleRow> oracle)
      throws Exception {
    MessageType type = schema.messageType();
    List<ColumnDescriptor> leaves = type.getColumns();
    boolean[] flat = new boolean[leaves.size()];
    for (int i = 0; i < flat.length; i++) {
      flat[i] = leaves.get(i).getMaxRepetitionLevel() == 0;
    }
    List<String> reversed = new ArrayList<>(type.getFields().stream().map(Type::getName).toList());
    java.util.Collections.reverse(reversed);
    for (List<String> fields : List.of(List.<String>of(), reversed)) {
      RowGroupDecoder<Row> decoder = RowGroupDecoder.forRows(schema, fields, Row::of);
      for (int rg : WorkerResponse.rowGroupIndexes(response.footer, MAX_ROW_GROUPS)) {
        Map<Long, String> expected = new TreeMap<>();
        for (OracleRow row : oracle) {
          if (row.rowGroup() == rg && expected.size() < MAX_KEYS) {
            expected.put(row.rowInGroup(), ParquetOracle.json(row, fields));
          }
        }
        long[] rows = expected.keySet().stream().mapToLong(Long::longValue).toArray();
        for (WorkerResponse.FirstRows mode : WorkerResponse.FirstRows.values()) {
          WorkerResponse.Built built = response.build(rg, -1, mode, flat);
          for (boolean direct : DIRECT) {
            Map<Long, String> actual = new TreeMap<>();
            try {
              decoder.decodeRows(built.answer(), 0, built.pages(direct), rows, (i, row, value) -> actual.put(row, value.toJson()));
            } catch (DecodeException e) {
              throw new AssertionError(path.getFileName() + " row group " + rg + " " + mode + " direct " + direct + ": " + e, e);
            }
            assertThat(actual).as("%s row group %s, first rows %s, fields %s, direct %s", path.getFileName(), rg, mode,
                fields, direct).isEqualTo(expected);
          }
        }
      }
    }
  }

  private static boolean unsupportedCodec(WorkerResponse.Built built) {
    return built.rowGroup.getColumnsList().stream().anyMatch(c -> c.getCodec() == io.needle.protocol.proto.Codec.BROTLI
        || c.getCodec() == io.needle.protocol.proto.Codec.LZO);
  }

  /** Checks for files parquet-java's reader cannot read here (no Hadoop native LZ4, no BROTLI, malformed). */
  private interface NoOracleCheck {
    void check(Path path, WorkerResponse response) throws Exception;
  }

  private static final Map<String, NoOracleCheck> NO_ORACLE = Map.of(
      "large_string_map.brotli.parquet", (p, r) -> expectFailure(p, r, DecodeException.Kind.UNSUPPORTED),
      // Chunk sizes in the footer do not cover the dictionary page: rejected while splitting into pages.
      "nation.dict-malformed.parquet", (p, r) -> org.assertj.core.api.Assertions.assertThatThrownBy(
          () -> r.build(0, 0, WorkerResponse.FirstRows.KNOWN, new boolean[] {true, true, true, true}))
          .isInstanceOf(WorkerResponse.EncryptedOrInvalid.class),
      // Values from Arrow's tests of these files (parquet-testing's lz4 fixtures).
      "hadoop_lz4_compressed.parquet", CorpusDecodeTest::checkSmallLz4,
      "non_hadoop_lz4_compressed.parquet", CorpusDecodeTest::checkSmallLz4,
      // No independent values for this one: every key page must decompress and hold no absent key.
      "hadoop_lz4_compressed_larger.parquet", (p, r) -> assertThat(decode(r, "a", "absent")).isEmpty());

  private static void checkSmallLz4(Path path, WorkerResponse response) throws Exception {
    assertThat(decode(response, "c1", "abc", "def")).containsExactly(
        "{\"c0\":1593604800,\"c1\":\"YWJj\",\"v11\":42.0}",
        "{\"c0\":1593604800,\"c1\":\"ZGVm\",\"v11\":7.7}",
        "{\"c0\":1593604801,\"c1\":\"YWJj\",\"v11\":42.125}",
        "{\"c0\":1593604801,\"c1\":\"ZGVm\",\"v11\":7.7}");
  }

  /** Decodes row group 0 looking up {@code keys} (strings) in {@code keyColumn}; the rows' JSON in row order. */
  private static List<String> decode(WorkerResponse response, String keyColumn, String... keys) throws Exception {
    FileSchema schema = FileSchema.parse(response.schemaBytes());
    MessageType type = schema.messageType();
    List<ColumnDescriptor> leaves = type.getColumns();
    boolean[] flat = new boolean[leaves.size()];
    Arrays.fill(flat, true);
    int keyLeaf = leaves.indexOf(type.getColumnDescription(new String[] {keyColumn}));
    WorkerResponse.Built built = response.build(0, keyLeaf, WorkerResponse.FirstRows.KNOWN, flat);
    KeyType keyType = schema.keyType(keyColumn);
    byte[][] keyBytes = new byte[keys.length][];
    for (int i = 0; i < keys.length; i++) {
      keyBytes[i] = keyType.toBytes(keys[i]);
    }
    List<String> heap = new ArrayList<>();
    List<String> direct = new ArrayList<>();
    for (boolean d : DIRECT) {
      List<String> into = d ? direct : heap;
      new RowGroupDecoder<>(schema, keyColumn, List.of(), Row::of).decode(built.answer(), 0, built.pages(d),
          KeyMatcher.ofBytes(keyBytes), (ordinal, row, value) -> into.add(value.toJson()));
    }
    assertThat(direct).as("the same rows from direct pages").isEqualTo(heap);
    return heap;
  }

  private static void expectFailure(Path path, WorkerResponse response, DecodeException.Kind kind) throws Exception {
    FileSchema schema = FileSchema.parse(response.schemaBytes());
    MessageType type = schema.messageType();
    String keyColumn = null;
    for (Type field : type.getFields()) {
      if (field.isPrimitive() && !field.isRepetition(Type.Repetition.REPEATED)) {
        try {
          schema.keyType(field.getName());
          keyColumn = field.getName();
          break;
        } catch (DecodeException e) {
          // not usable as a key
        }
      }
    }
    if (keyColumn == null) {
      // No top-level key column (large_string_map: one map column): no lookup can reach the pages.
      // BROTLI's rejection is covered by PageDecompressorTest in the client.
      return;
    }
    List<ColumnDescriptor> leaves = type.getColumns();
    boolean[] flat = new boolean[leaves.size()];
    for (int i = 0; i < flat.length; i++) {
      flat[i] = leaves.get(i).getMaxRepetitionLevel() == 0;
    }
    int keyLeaf = leaves.indexOf(type.getColumnDescription(new String[] {keyColumn}));
    KeyType keyType = schema.keyType(keyColumn);
    KeyMatcher matcher = keyType.isLong() ? KeyMatcher.ofLongs(new long[] {0, 1, 2, 3})
        : KeyMatcher.ofBytes(new byte[][] {new byte[0], "a".getBytes(java.nio.charset.StandardCharsets.UTF_8)});
    WorkerResponse.Built built = response.build(0, keyLeaf, WorkerResponse.FirstRows.KNOWN, flat);
    RowGroupDecoder<Row> decoder = new RowGroupDecoder<>(schema, keyColumn, List.of(), Row::of);
    for (boolean direct : DIRECT) {
      try {
        decoder.decode(built.answer(), 0, built.pages(direct), matcher, (ordinal, row, value) -> { });
        fail(path.getFileName() + ": expected DecodeException " + kind + ", direct " + direct);
      } catch (DecodeException e) {
        assertThat(e.kind()).as(e.toString()).isEqualTo(kind);
      }
    }
  }

  /** The first top-level non-repeated INT32/INT64/BYTE_ARRAY/FLBA column whose values convert to keys. */
  static String pickKeyColumn(FileSchema schema, List<OracleRow> rows) {
    for (Type field : schema.messageType().getFields()) {
      if (!field.isPrimitive() || field.isRepetition(Type.Repetition.REPEATED)) {
        continue;
      }
      KeyType keyType;
      try {
        keyType = schema.keyType(field.getName());
      } catch (DecodeException e) {
        continue;
      }
      boolean all = true;
      for (OracleRow row : rows) {
        Object value = row.get(field.getName());
        if (value != null && toKey(value, keyType) == null) {
          all = false;
          break;
        }
      }
      if (all) {
        return field.getName();
      }
    }
    return null;
  }

  static Object toKey(Object value, KeyType keyType) {
    try {
      return keyType.isLong() ? (Object) keyType.toLong(value) : keyType.toBytes(value);
    } catch (DecodeException e) {
      return null;
    }
  }

  private static List<Object> distinctKeys(java.util.Collection<Object> values, KeyType keyType) {
    List<Object> keys = new ArrayList<>();
    java.util.Set<Object> seen = new java.util.HashSet<>();
    for (Object value : values) {
      Object key = toKey(value, keyType);
      Object identity = key instanceof byte[] b ? java.nio.ByteBuffer.wrap(b) : key;
      if (seen.add(identity)) {
        keys.add(key);
        if (keys.size() == MAX_KEYS) {
          break;
        }
      }
    }
    return keys;
  }

  private static KeyMatcher matcher(List<Object> keys, KeyType keyType) {
    if (keyType.isLong()) {
      return KeyMatcher.ofLongs(keys.stream().mapToLong(k -> (Long) k).toArray());
    }
    return KeyMatcher.ofBytes(keys.stream().map(k -> (byte[]) k).toArray(byte[][]::new));
  }

  private static boolean same(Object key, Object oracleValue, KeyType keyType) {
    Object other = toKey(oracleValue, keyType);
    return key instanceof byte[] b ? Arrays.equals(b, (byte[]) other) : key.equals(other);
  }
}
