package io.needle.testing.e2e;

import io.needle.client.Row;
import io.needle.client.Table;
import io.needle.testing.MatrixTables;
import io.needle.testing.ParquetOracle;
import io.needle.testing.TableSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The table matrix (every key type, value type, encoding, codec, page version, with and without
 * bloom filters, several row groups and files, duplicate and absent keys) looked up through a
 * real worker and client, compared with parquet-java's own reader row by row; run twice, over the
 * network and embedded (the same client API answered in-process), which must answer alike.
 */
class MatrixLookupTest {
  @TempDir
  static Path dir;

  static List<TableSpec> tables;
  static Map<Path, ParquetOracle> oracles = new HashMap<>();
  static final Map<Loopback.Mode, Loopback> loopbacks = new java.util.EnumMap<>(Loopback.Mode.class);

  @BeforeAll
  static void setUp() throws Exception {
    tables = MatrixTables.write(dir);
    for (TableSpec t : tables) {
      for (Path f : t.files()) {
        oracles.put(f, ParquetOracle.open(f));
      }
    }
    for (Loopback.Mode mode : Loopback.Mode.values()) {
      loopbacks.put(mode, Loopback.start(mode, dir));
    }
  }

  @AfterAll
  static void tearDown() throws Exception {
    for (Loopback l : loopbacks.values()) {
      l.close();
    }
    LeakRecorder.assertNoLeaks();
  }

  /** What the oracle says a lookup of {@code key} returns: files in path order, rows in file order. */
  private static List<String> expected(TableSpec t, Object key, List<String> fields) {
    List<Path> files = new ArrayList<>(t.files());
    Collections.sort(files);
    List<String> out = new ArrayList<>();
    for (Path f : files) {
      out.addAll(oracles.get(f).lookupJson(t.keyColumn(), key, fields));
    }
    return out;
  }

  private static List<String> json(List<Row> rows) {
    return rows.stream().map(Row::toJson).toList();
  }

  private static List<Object> sample(TableSpec t, Random random) {
    List<Object> keys = new ArrayList<>(t.duplicateKeys());
    for (int i = 0; i < 25; i++) {
      keys.add(t.presentKeys().get(random.nextInt(t.presentKeys().size())));
    }
    keys.addAll(t.absentKeys());
    Collections.shuffle(keys, random);
    return keys;
  }

  @ParameterizedTest
  @EnumSource(Loopback.Mode.class)
  void everyTableAnswersLikeParquetJavaForPresentDuplicateAndAbsentKeys(Loopback.Mode mode) {
    Random random = new Random(3);
    int rows = 0;
    for (TableSpec t : tables) {
      Table table = loopbacks.get(mode).table(t.dir(), t.keyColumn());
      List<Object> keys = sample(t, random);
      Map<Object, List<Row>> result = table.lookupAll(keys, List.of());
      for (Object key : keys) {
        List<String> want = expected(t, key, List.of());
        assertThat(json(result.get(key))).as("%s (%s) key %s", t.name(), t.layout(), key).isEqualTo(want);
        rows += want.size();
      }
      for (Object key : t.duplicateKeys()) {
        assertThat(table.lookup(key, List.of()).size()).as("%s duplicate key %s", t.name(), key).isGreaterThan(1);
      }
    }
    assertThat(rows).isGreaterThan(100);
  }

  @ParameterizedTest
  @EnumSource(Loopback.Mode.class)
  void projectionsReturnExactlyTheRequestedColumnsInTheRequestedOrder(Loopback.Mode mode) {
    Random random = new Random(5);
    for (TableSpec t : tables) {
      Table table = loopbacks.get(mode).table(t.dir(), t.keyColumn());
      List<String> all = oracles.get(t.files().get(0)).schema().getFields().stream().map(f -> f.getName()).toList();
      List<String> fields = new ArrayList<>(all);
      Collections.shuffle(fields, random);
      fields = fields.subList(0, Math.min(5, fields.size()));
      for (Object key : t.presentKeys().subList(0, Math.min(10, t.presentKeys().size()))) {
        assertThat(json(table.lookup(key, fields))).as("%s key %s fields %s", t.name(), key, fields)
            .isEqualTo(expected(t, key, fields));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Loopback.Mode.class)
  void singleKeyLookupsAgreeWithBatches(Loopback.Mode mode) {
    for (TableSpec t : tables) {
      Table table = loopbacks.get(mode).table(t.dir(), t.keyColumn());
      Object key = t.presentKeys().get(t.presentKeys().size() / 2);
      assertThat(json(table.lookup(key, List.of()))).isEqualTo(expected(t, key, List.of()));
      Object last = t.presentKeys().get(t.presentKeys().size() - 1);
      assertThat(json(table.lookup(last, List.of()))).isEqualTo(expected(t, last, List.of()));
    }
  }
}
