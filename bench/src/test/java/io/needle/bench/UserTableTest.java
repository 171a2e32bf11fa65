package io.needle.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.needle.bench.baseline.RedisRows;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongFunction;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Key sampling, exact row counts and absent keys of a user's table, on small tables written here. */
class UserTableTest {
  private static final MessageType LONG_KEYS = MessageTypeParser.parseMessageType(
      "message t { optional int64 id; optional binary v (STRING); optional group tags (LIST) {"
          + " repeated group list { optional int32 element; } } }");
  private static final MessageType STRING_KEYS = MessageTypeParser.parseMessageType(
      "message s { required binary name (STRING); required int32 n; }");

  @TempDir Path dir;

  @Test
  void countsEveryRowOfASampledKeyAcrossFilesAndSkipsNullsAndHiddenFiles() throws IOException {
    // part-0: even ids 0..998, id 10 three times, a null id every 100 rows; part-1: even ids
    // 1000..1998 and id 10 once more. Hidden files hold id 10 too and must not count.
    write(dir.resolve("part-0.parquet"), LONG_KEYS, 500, i -> i % 100 == 7 ? null : 2 * i, 10L, 10L);
    write(dir.resolve("part-1.parquet"), LONG_KEYS, 500, i -> 1000 + 2 * i, 10L);
    write(dir.resolve("_staging.parquet"), LONG_KEYS, 5, i -> 10L);
    Files.createDirectories(dir.resolve(".tmp"));
    write(dir.resolve(".tmp/part-9.parquet"), LONG_KEYS, 5, i -> 10L);

    UserTable t = UserTable.open(new UserTableSpec(dir, "id", List.of()), 1);

    assertThat(t.files()).extracting(p -> p.getFileName().toString()).containsExactly("part-0.parquet",
        "part-1.parquet");
    assertThat(t.columns()).containsExactly("id", "v", "tags");
    assertThat(t.keyKind()).isEqualTo(UserTable.KeyKind.INT64);
    // 1000 even ids minus the 5 rows whose id is null (7, 107, ..., 407 -> ids 14, 214, ...): all sampled.
    assertThat(t.keyCount()).isEqualTo(995);
    Set<Object> present = new HashSet<>();
    for (long i = 0; i < t.keyCount(); i++) {
      Object key = t.presentKey(i);
      assertThat(key).isInstanceOf(Long.class);
      assertThat(present.add(key)).as("key %s drawn twice", key).isTrue();
      assertThat(t.rowsOf(key)).isEqualTo(key.equals(10L) ? 4 : 1);
    }
    assertThat(present).doesNotContain(14L, 214L).contains(0L, 10L, 1998L);
    assertThat(t.absentKeysPastMax()).isFalse();
    for (long i = 0; i < t.absentKeyCount(); i++) {
      long absent = (Long) t.absentKey(i);
      assertThat(absent % 2).as("absent key %d", absent).isNotZero(); // odd: key + 1 of an even id
      assertThat(t.rowsOf(absent)).isZero();
    }
    assertThatThrownBy(() -> t.rowsOf(5000L)).hasMessageContaining("key 5000");
  }

  @Test
  void denseKeysGetAbsentKeysPastTheLargest() throws IOException {
    write(dir.resolve("dense.parquet"), LONG_KEYS, 500, i -> i);
    UserTable t = UserTable.open(new UserTableSpec(dir.resolve("dense.parquet"), "id", List.of("v")), 1);
    assertThat(t.columns()).containsExactly("id", "v");
    assertThat(t.root()).isEqualTo(dir.toAbsolutePath());
    assertThat(t.absentKeysPastMax()).isTrue();
    assertThat(t.absentKeyCount()).isEqualTo(1000);
    for (long i = 0; i < t.absentKeyCount(); i++) {
      assertThat((Long) t.absentKey(i)).isGreaterThanOrEqualTo(500L);
    }
  }

  @Test
  void stringKeysAreNudgedWithASuffixAndRedisValuesHoldEveryRowOfAKey() throws IOException {
    Path file = dir.resolve("names.parquet");
    MessageType schema = STRING_KEYS;
    SimpleGroupFactory groups = new SimpleGroupFactory(schema);
    try (ParquetWriter<Group> w = writer(file, schema)) {
      for (int i = 0; i < 300; i++) {
        w.write(groups.newGroup().append("name", "name-" + (i % 200)).append("n", i));
      }
    }
    UserTable t = UserTable.open(new UserTableSpec(file, "name", List.of("n")), 3);
    assertThat(t.keyKind()).isEqualTo(UserTable.KeyKind.STRING);
    assertThat(t.keyCount()).isEqualTo(200);
    assertThat(t.rowsOf("name-5")).isEqualTo(2);
    assertThat(t.rowsOf("name-150")).isEqualTo(1);
    assertThat(t.absentKey(0)).asString().endsWith(UserTable.ABSENT_SUFFIX);

    RedisRows redis = t.redisRows(List.of("name-5", "name-150"));
    assertThat(redis.decode("name-5", redis.encode("name-5"))).isEqualTo(2);
    assertThat(redis.decode("name-150", redis.encode("name-150"))).isEqualTo(1);
    assertThat(redis.encode("name-6")).as("not asked, not loaded").isNull();
    assertThatThrownBy(() -> redis.decode("name-6", redis.encode("name-5")))
        .hasMessageContaining("returned name name-5");
  }

  @Test
  void refusesMissingColumnsUnusableKeyTypesAndEmptyDirectories() throws IOException {
    write(dir.resolve("t.parquet"), LONG_KEYS, 10, i -> i);
    assertThatThrownBy(() -> UserTable.open(new UserTableSpec(dir, "nope", List.of()), 1))
        .hasMessageContaining("--key-column").hasMessageContaining("no column 'nope'")
        .hasMessageContaining("its columns: id, v, tags");
    assertThatThrownBy(() -> UserTable.open(new UserTableSpec(dir, "id", List.of("v", "w")), 1))
        .hasMessageContaining("--columns").hasMessageContaining("no column 'w'");
    assertThatThrownBy(() -> UserTable.open(new UserTableSpec(dir, "tags", List.of()), 1))
        .hasMessageContaining("key column 'tags'").hasMessageContaining("int32, int64 or string");
    Path empty = Files.createDirectories(dir.resolve("empty"));
    assertThatThrownBy(() -> UserTable.open(new UserTableSpec(empty, "id", List.of()), 1))
        .hasMessageContaining("no .parquet files");
    assertThatThrownBy(() -> UserTable.open(new UserTableSpec(dir.resolve("missing"), "id", List.of()), 1))
        .hasMessageContaining("no such file or directory");
  }

  @Test
  void aKeyColumnWithOnlyNullsHasNoKeysToDraw() throws IOException {
    write(dir.resolve("nulls.parquet"), LONG_KEYS, 10, i -> null);
    assertThatThrownBy(() -> UserTable.open(new UserTableSpec(dir, "id", List.of()), 1))
        .hasMessageContaining("holds no values");
  }

  /** {@code rows} rows with ids from {@code idOfRow} (null for a null id), then one row per extra id. */
  private static void write(Path file, MessageType schema, int rows, LongFunction<Long> idOfRow, Long... extra)
      throws IOException {
    SimpleGroupFactory groups = new SimpleGroupFactory(schema);
    List<Long> ids = new ArrayList<>();
    for (long i = 0; i < rows; i++) {
      ids.add(idOfRow.apply(i));
    }
    ids.addAll(List.of(extra));
    try (ParquetWriter<Group> w = writer(file, schema)) {
      for (Long id : ids) {
        Group g = groups.newGroup();
        if (id != null) {
          g.append("id", id);
        }
        g.append("v", "v" + id);
        w.write(g);
      }
    }
  }

  private static ParquetWriter<Group> writer(Path file, MessageType schema) throws IOException {
    return ExampleParquetWriter.builder(new LocalOutputFile(file))
        .withConf(new PlainParquetConfiguration())
        .withType(schema)
        .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
        .build();
  }
}
