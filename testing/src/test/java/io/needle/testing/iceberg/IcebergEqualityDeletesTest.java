package io.needle.testing.iceberg;

import io.needle.client.NeedleClient;
import io.needle.client.NeedleException;
import io.needle.client.Row;
import io.needle.client.Table;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import org.apache.iceberg.Schema;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Equality deletes on several columns, the key among them or not, written by Iceberg's own delete
 * writer and applied by a real worker for a real client; oracle: Iceberg's own reader. Also the
 * worker's limit on deleted rows held per snapshot. Deletes on several columns run on local files
 * and on S3 ({@link IcebergPlace}).
 */
class IcebergEqualityDeletesTest {
  private static final Schema SCHEMA = new Schema(
      Types.NestedField.required(1, "id", Types.LongType.get()),
      Types.NestedField.optional(2, "region", Types.StringType.get()),
      Types.NestedField.optional(3, "version", Types.IntegerType.get()),
      Types.NestedField.optional(4, "score", Types.DoubleType.get()));
  private static final List<Long> KEYS = LongStream.range(-1, 160).boxed().toList();

  @TempDir
  Path dir;

  private static List<Record> rows(long from, long to, int version) {
    List<Record> out = new ArrayList<>();
    for (long id = from; id < to; id++) {
      GenericRecord r = GenericRecord.create(SCHEMA);
      r.setField("id", id);
      r.setField("region", id % 25 == 7 ? null : version == 1 ? (id % 2 == 0 ? "eu" : "us") : (id % 3 == 0 ? "ap" : "eu"));
      r.setField("version", version);
      r.setField("score", id * 0.25 + version);
      out.add(r);
    }
    return out;
  }

  /** Two files that share keys 50 to 99, in other regions and versions. */
  private IcebergFixture table(String name) throws IOException {
    IcebergFixture t = IcebergFixture.create(dir.resolve("warehouse").toString(), null, name, 2, SCHEMA);
    t.appendRecords(rows(0, 100, 1));
    t.appendRecords(rows(50, 150, 2));
    return t;
  }

  private static Worker worker(Path dir, long maxDeletedRows) throws Exception {
    return Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(dir)).withManifestTtl(Duration.ofMinutes(10))
        .withIcebergMaxDeletedRows(maxDeletedRows));
  }

  private static NeedleClient client(Worker worker) {
    return NeedleClient.builder().workers(List.of("127.0.0.1:" + worker.address().getPort()))
        .requestTimeout(Duration.ofSeconds(30)).build();
  }

  private static List<Map<String, Object>> icebergRows(IcebergFixture t, long key) throws IOException {
    t.table.refresh();
    List<Map<String, Object>> out = new ArrayList<>();
    try (CloseableIterable<Record> rows = IcebergGenerics.read(t.table).where(Expressions.equal("id", key)).build()) {
      for (Record r : rows) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Types.NestedField f : SCHEMA.columns()) {
          Object v = r.getField(f.name());
          m.put(f.name(), v instanceof CharSequence s ? s.toString() : v);
        }
        out.add(m);
      }
    }
    return out;
  }

  /** Every key's rows as Iceberg's reader has them; returns how many rows that is. */
  private static int assertAnswers(IcebergFixture t, Table table) throws IOException {
    Map<Object, List<Row>> result = table.lookupAll(KEYS, List.of());
    int rows = 0;
    for (long key : KEYS) {
      List<Map<String, Object>> got = new ArrayList<>();
      for (Row r : result.get(key)) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < r.size(); i++) {
          m.put(r.name(i), r.get(i));
        }
        got.add(m);
      }
      List<Map<String, Object>> want = icebergRows(t, key);
      assertThat(got).as("key %d", key).containsExactlyInAnyOrderElementsOf(want);
      rows += want.size();
    }
    return rows;
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(IcebergPlace.Kind.class)
  void equalityDeletesOnSeveralColumnsDeleteExactlyTheRowsIcebergDeletes(IcebergPlace.Kind kind) throws Exception {
    try (IcebergPlace place = IcebergPlace.open(kind, dir)) {
      equalityDeletesOnSeveralColumns(place);
    }
  }

  private static void equalityDeletesOnSeveralColumns(IcebergPlace place) throws Exception {
    IcebergFixture t = place.create("multi", 2, SCHEMA);
    t.appendRecords(rows(0, 100, 1));
    t.appendRecords(rows(50, 150, 2));
    place.sync();
    try (Worker worker = place.worker(Duration.ofMinutes(10)); NeedleClient client = client(worker)) {
      Table table = client.table(t.location(), "id");
      int before = assertAnswers(t, table);
      assertThat(before).isEqualTo(200);

      // The key and a column that tells the two files' rows of one key apart.
      t.deleteEqual(List.of("id", "region"), List.of(List.of(5L, "us"), List.of(60L, "eu"), List.of(60L, "ap"),
          List.of(61L, "ap"), List.of(52L, "us"), List.of(999L, "eu")));
      // No key at all: every row of version 2 in region eu.
      t.deleteEqual(List.of("region", "version"), List.of(List.of("eu", 2)));
      place.sync();
      table.relist();
      int after = assertAnswers(t, table);
      assertThat(after).as("rows deleted").isLessThan(before - 60);
      assertThat(table.lookup(5L, List.of())).as("(5, us): its only row").isEmpty();
      assertThat(table.lookup(60L, List.of())).as("(60, eu) and (60, ap): one row of each file").isEmpty();
      assertThat(table.lookup(52L, List.of())).as("(52, us) names no row: 52 is eu, then eu of version 2")
          .singleElement().satisfies(r -> assertThat(r.get("version")).isEqualTo(1));
      assertThat(table.lookup(81L, List.of())).as("(81, ap) is live: only (61, ap) was deleted").hasSize(2);
    }
  }

  @Test
  void anEqualityDeleteOfANullAnswersUnsupportedRatherThanAWrongRow() throws Exception {
    IcebergFixture t = table("nulls");
    // Key 7 has a null region: Iceberg's planner applies the delete only to files with nulls there.
    t.deleteEqual(List.of("id", "region"), List.of(Arrays.asList(7L, null)));
    try (Worker worker = worker(dir, WorkerConfig.DEFAULT_ICEBERG_MAX_DELETED_ROWS); NeedleClient client = client(worker)) {
      assertThatThrownBy(() -> client.table(t.location(), "id").lookup(7L, List.of()))
          .isInstanceOfSatisfying(NeedleException.class, e -> assertThat(e.code()).isEqualTo(NeedleException.Code.UNSUPPORTED))
          .hasMessageContaining("null region");
    }
  }

  @Test
  void aSnapshotDeletingMoreRowsThanTheLimitIsRefusedAsResourceExhausted() throws Exception {
    IcebergFixture t = table("limited");
    t.deleteKeys("id", 1, 2, 3); // 3 rows in the delete file, 3 rows deleted (keys below 50 are in one file)
    try (Worker small = worker(dir, 2); NeedleClient client = client(small)) {
      assertThatThrownBy(() -> client.table(t.location(), "id").lookup(1L, List.of()))
          .isInstanceOfSatisfying(NeedleException.class,
              e -> assertThat(e.code()).isEqualTo(NeedleException.Code.RESOURCE_EXHAUSTED))
          .hasMessageContaining("--iceberg-max-deleted-rows");
    }
    try (Worker enough = worker(dir, 3); NeedleClient client = client(enough)) {
      Table table = client.table(t.location(), "id");
      assertAnswers(t, table);
      assertThat(table.lookup(2L, List.of())).isEmpty();
    }
    // An equality delete may remove more rows than it holds: (region eu) is one row of the
    // delete file and many rows of the data files.
    t.deleteEqual(List.of("region"), List.of(List.of("eu")));
    try (Worker small = worker(dir, 10); NeedleClient client = client(small)) {
      assertThatThrownBy(() -> client.table(t.location(), "id").lookup(1L, List.of()))
          .isInstanceOfSatisfying(NeedleException.class,
              e -> assertThat(e.code()).isEqualTo(NeedleException.Code.RESOURCE_EXHAUSTED))
          .hasMessageContaining("remove more than 10 rows");
    }
  }
}
