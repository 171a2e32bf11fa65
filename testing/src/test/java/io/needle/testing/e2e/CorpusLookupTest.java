package io.needle.testing.e2e;

import io.needle.client.NeedleException;
import io.needle.client.Row;
import io.needle.client.Table;
import io.needle.testing.OracleRow;
import io.needle.testing.ParquetOracle;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The Apache parquet-testing corpus through a real worker and client: every readable file, with
 * every top-level primitive column usable as a key, answers like parquet-java's reader; files the
 * client must refuse get a typed error; bad_data files get a clear error and the worker keeps
 * serving.
 */
class CorpusLookupTest {
  static final Path CORPUS = Path.of(System.getProperty("needle.parquetTesting", "../testdata/parquet-testing"));

  /**
   * Files with a page whose checksum does not match its bytes: parquet-java does not check by
   * default and reads them; Needle checks, and refuses a lookup that needs that page (a corrupt
   * page never becomes a row). Lookups that do not touch it answer like parquet-java.
   */
  static final Set<String> CORRUPT_CHECKSUMS = Set.of("datapage_v1-corrupt-checksum.parquet",
      "rle-dict-uncompressed-corrupt-checksum.parquet");

  static Loopback loopback;

  @BeforeAll
  static void start() throws Exception {
    loopback = Loopback.serve(CORPUS.resolve("data").toRealPath(), CORPUS.resolve("bad_data").toRealPath());
  }

  @AfterAll
  static void stop() throws Exception {
    if (loopback != null) {
      loopback.close();
    }
    LeakRecorder.assertNoLeaks();
  }

  private static List<Path> files(String folder) throws Exception {
    try (Stream<Path> s = Files.list(CORPUS.resolve(folder))) {
      return s.filter(p -> p.toString().endsWith(".parquet")).sorted().toList();
    }
  }

  private static boolean isNaN(Object key) {
    return key instanceof Number n && Double.isNaN(n.doubleValue());
  }

  /** A top-level, non-repeated primitive of a type a key can have. */
  static boolean usableAsKey(Type field) {
    if (!field.isPrimitive() || field.isRepetition(Type.Repetition.REPEATED)) {
      return false;
    }
    PrimitiveType.PrimitiveTypeName t = field.asPrimitiveType().getPrimitiveTypeName();
    return t == PrimitiveType.PrimitiveTypeName.INT32 || t == PrimitiveType.PrimitiveTypeName.INT64
        || t == PrimitiveType.PrimitiveTypeName.BINARY || t == PrimitiveType.PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY;
  }

  @Test
  void everyReadableFileAnswersLikeParquetJavaOnEveryKeyColumn() throws Exception {
    Map<String, String> outcomes = new TreeMap<>();
    int compared = 0;
    for (Path file : files("data")) {
      String name = file.getFileName().toString();
      ParquetOracle oracle;
      try {
        oracle = ParquetOracle.open(file);
      } catch (Exception | LinkageError unreadable) {
        outcomes.put(name, "oracle cannot read: " + unreadable.getClass().getSimpleName());
        continue;
      }
      List<String> fields = oracle.schema().getFields().stream().map(Type::getName).toList();
      for (Type field : oracle.schema().getFields()) {
        if (!usableAsKey(field)) {
          continue;
        }
        Table table = loopback.table(file, field.getName());
        Set<Object> keys = new LinkedHashSet<>();
        List<OracleRow> rows = oracle.rows();
        for (int i = 0; i < rows.size() && keys.size() < 6; i += Math.max(1, rows.size() / 6)) {
          Object key = ParquetOracle.keyValue(rows.get(i), field.getName());
          // Keys match by their stored bits; NaN has many bit patterns and equals nothing in IEEE
          // terms, so a NaN key is not a lookup anyone makes (the oracle would match every NaN).
          if (key != null && !isNaN(key)) {
            keys.add(key);
          }
        }
        Object lastKey = rows.isEmpty() ? null : ParquetOracle.keyValue(rows.get(rows.size() - 1), field.getName());
        if (lastKey != null && !isNaN(lastKey)) {
          keys.add(lastKey);
        }
        if (keys.isEmpty()) {
          continue;
        }
        List<Object> keyList = new ArrayList<>(keys);
        Map<Object, List<Row>> result;
        try {
          result = table.lookupAll(keyList, List.of());
        } catch (NeedleException e) {
          if (CORRUPT_CHECKSUMS.contains(name)) {
            assertThat(e.code()).as(name).isEqualTo(NeedleException.Code.DATA_LOSS);
            outcomes.put(name, "refused: corrupt page checksum");
            continue;
          }
          outcomes.put(name + "#" + field.getName(), e.code() + ": " + e.getMessage());
          assertThat(e.code()).as("%s key %s: %s", name, field.getName(), e.getMessage())
              .isIn(NeedleException.Code.UNSUPPORTED, NeedleException.Code.DATA_LOSS);
          continue;
        }
        for (Object key : keyList) {
          List<String> got = result.get(key).stream().map(Row::toJson).toList();
          assertThat(got).as("%s key column %s key %s", name, field.getName(), key)
              .isEqualTo(oracle.lookupJson(field.getName(), key, fields));
          compared++;
        }
        outcomes.putIfAbsent(name, "compared");
      }
    }
    assertThat(compared).as("outcomes %s", outcomes).isGreaterThan(150);
    assertThat(outcomes.values()).as("outcomes %s", outcomes).contains("refused: corrupt page checksum");
    // The data loss and unsupported outcomes above are the expected, documented ones only.
    assertThat(outcomes.entrySet().stream().filter(e -> e.getValue().startsWith("DATA_LOSS")).map(Map.Entry::getKey))
        .as("files refused as corrupt").allMatch(n -> n.startsWith("nation.dict-malformed"));
  }

  @Test
  void badDataFilesGetAClearErrorAndTheWorkerKeepsServing() throws Exception {
    Path good = CORPUS.resolve("data").resolve("alltypes_plain.parquet").toRealPath();
    for (Path file : files("bad_data")) {
      Table table = loopback.table(file, "id");
      NeedleException e = catchThrowableOfType(NeedleException.class, () -> table.lookupAll(List.of(1, 2L, "x"), List.of()));
      assertThat(e).as(file.getFileName().toString()).isNotNull();
      assertThat(e.code()).as("%s: %s", file.getFileName(), e.getMessage())
          .isIn(NeedleException.Code.DATA_LOSS, NeedleException.Code.INVALID_ARGUMENT, NeedleException.Code.NOT_FOUND,
              NeedleException.Code.UNSUPPORTED);
      assertThat(loopback.table(good, "id").lookup(4, List.of("id"))).hasSize(1);
    }
  }
}
