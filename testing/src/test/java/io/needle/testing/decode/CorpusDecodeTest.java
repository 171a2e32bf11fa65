package io.needle.testing.decode;

import io.needle.client.Row;
import io.needle.client.internal.DecodeException;
import io.needle.client.internal.FileSchema;
import io.needle.client.internal.KeyMatcher;
import io.needle.client.internal.KeyType;
import io.needle.client.internal.RowGroupDecoder;
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
 * field, with first rows known (offset index / headers) and unknown.
 */
class CorpusDecodeTest {
  private static final int MAX_ROW_GROUPS = 3;
  private static final int MAX_KEYS = 2_000;

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
    List<OracleRow> oracle;
    try {
      oracle = ParquetOracle.readAll(path);
    } catch (Exception | Error e) {
      // parquet-java cannot read it either: the client must fail cleanly, never return values
      expectCleanFailureOrNothing(path, response);
      return;
    }
    FileSchema schema = FileSchema.parse(response.schemaBytes());
    MessageType type = schema.messageType();
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
    RowGroupDecoder decoder = new RowGroupDecoder(schema, keyColumn, List.of());
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
        Map<Long, String> actual = new TreeMap<>();
        try {
          decoder.decode(built.rowGroup, built.segments, matcher, (ordinal, row, value) -> {
            assertThat(actual).doesNotContainKey(row);
            assertThat(same(keys.get(ordinal), keyOfRow.get(row), keyType)).as("key ordinal of row %s", row).isTrue();
            actual.put(row, value.toJson());
          });
        } catch (DecodeException e) {
          if (e.kind() == DecodeException.Kind.UNSUPPORTED && unsupportedCodec(built)) {
            return;
          }
          throw new AssertionError(path.getFileName() + " row group " + rg + " " + mode + ": " + e, e);
        }
        if (keys.size() < keyOfRow.size() && keys.size() == MAX_KEYS) {
          expected.keySet().retainAll(actual.keySet());
        }
        assertThat(actual).as("%s row group %s, first rows %s, key %s", path.getFileName(), rg, mode, keyColumn)
            .isEqualTo(expected);
      }
    }
  }

  private static boolean unsupportedCodec(WorkerResponse.Built built) {
    return built.rowGroup.getColumnsList().stream().anyMatch(c -> c.getCodec() == io.needle.protocol.proto.Codec.BROTLI
        || c.getCodec() == io.needle.protocol.proto.Codec.LZO);
  }

  private static void expectCleanFailureOrNothing(Path path, WorkerResponse response) {
    // Exercised by BadDataDecodeTest for the bad_data files; good files are all readable.
    fail(path.getFileName() + ": the oracle cannot read a file of the good corpus");
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
