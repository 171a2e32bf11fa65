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
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A table whose schema evolved between its data files (rename, add, drop, re-add under a dropped
 * name, int to long, float to double, decimal precision), written by Iceberg's own writers and
 * served by a real worker to a real client; oracle: Iceberg's own reader ({@link IcebergGenerics}),
 * which matches columns by field id.
 */
class IcebergSchemaEvolutionTest {
  private static final Schema FIRST = new Schema(
      Types.NestedField.required(1, "id", Types.LongType.get()),
      Types.NestedField.optional(2, "name", Types.StringType.get()),
      Types.NestedField.optional(3, "count", Types.IntegerType.get()),
      Types.NestedField.optional(4, "ratio", Types.FloatType.get()),
      Types.NestedField.optional(5, "price", Types.DecimalType.of(9, 2)),
      Types.NestedField.optional(6, "old", Types.StringType.get()));

  @TempDir
  Path dir;

  /** Values derived from the key and the generation of the file; some null. */
  private static Record row(Schema schema, long id, int gen) {
    GenericRecord r = GenericRecord.create(schema);
    for (Types.NestedField field : schema.columns()) {
      Object value = switch (field.name()) {
        case "id", "user_id" -> id;
        case "name", "label" -> id % 5 == 0 ? null : "n" + id + "-g" + gen;
        case "count" -> field.type() instanceof Types.IntegerType ? (Object) (int) (id * 3 + gen) : (Object) (id * 3_000_000_000L + gen);
        case "ratio" -> field.type() instanceof Types.FloatType ? (Object) (id / 8f + gen) : (Object) (id / 3.0 + gen);
        case "price" -> BigDecimal.valueOf(id * 101 + gen, 2);
        case "old" -> "old" + id + "-g" + gen;
        case "note" -> id % 3 == 0 ? null : "note" + id;
        default -> throw new IllegalArgumentException(field.name());
      };
      r.setField(field.name(), value);
    }
    return r;
  }

  private static List<Record> rows(Schema schema, long from, long to, int gen) {
    List<Record> out = new ArrayList<>();
    for (long id = from; id < to; id++) {
      out.add(row(schema, id, gen));
    }
    return out;
  }

  /** Iceberg's rows of {@code key}, as column name to value, in the columns asked (all when empty). */
  private static List<Map<String, Object>> icebergRows(IcebergFixture t, String keyColumn, long key, List<String> columns)
      throws IOException {
    t.table.refresh();
    List<String> names = columns.isEmpty() ? t.table.schema().columns().stream().map(Types.NestedField::name).toList() : columns;
    List<Map<String, Object>> out = new ArrayList<>();
    try (CloseableIterable<Record> rows = IcebergGenerics.read(t.table).where(Expressions.equal(keyColumn, key)).build()) {
      for (Record r : rows) {
        if (((Long) r.getField(keyColumn)) == key) {
          Map<String, Object> m = new LinkedHashMap<>();
          for (String name : names) {
            Object v = r.getField(name);
            m.put(name, v instanceof CharSequence s ? s.toString() : v);
          }
          out.add(m);
        }
      }
    }
    return out;
  }

  private static List<Map<String, Object>> needleRows(List<Row> rows) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Row r : rows) {
      Map<String, Object> m = new LinkedHashMap<>();
      for (int i = 0; i < r.size(); i++) {
        m.put(r.name(i), r.get(i));
      }
      out.add(m);
    }
    return out;
  }

  private static void assertAnswers(IcebergFixture t, Table table, String keyColumn, List<Long> keys, List<String> columns)
      throws IOException {
    Map<Object, List<Row>> result = table.lookupAll(keys, columns);
    int rows = 0;
    for (long key : keys) {
      List<Map<String, Object>> want = icebergRows(t, keyColumn, key, columns);
      assertThat(needleRows(result.get(key))).as("key %d, columns %s", key, columns).containsExactlyInAnyOrderElementsOf(want);
      rows += want.size();
    }
    assertThat(rows).as("present keys were asked").isPositive();
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(IcebergPlace.Kind.class)
  void columnsAreMatchedByFieldIdAcrossRenameAddDropAndPromotion(IcebergPlace.Kind kind) throws Exception {
    try (IcebergPlace place = IcebergPlace.open(kind, dir)) {
      IcebergFixture t = place.create("evolved", 2, FIRST);
      t.appendRecords(rows(FIRST, 0, 200, 1));
      t.table.updateSchema().renameColumn("name", "label").addColumn("note", Types.StringType.get())
          .deleteColumn("old").updateColumn("count", Types.LongType.get()).updateColumn("ratio", Types.DoubleType.get())
          .updateColumn("price", Types.DecimalType.of(12, 2)).commit();
      t.table.updateSchema().addColumn("old", Types.IntegerType.get()).commit(); // a new column under a dropped name
      t.appendRecords(withOld(rows(t.table.schema(), 150, 300, 2)));
      place.sync();
      List<Long> keys = List.of(0L, 1L, 5L, 149L, 150L, 151L, 199L, 200L, 299L, 300L, -1L);
      try (Worker worker = place.worker(Duration.ofMinutes(10));
           NeedleClient client = NeedleClient.builder().workers(List.of("127.0.0.1:" + worker.address().getPort()))
               .requestTimeout(Duration.ofSeconds(30)).build()) {
        Table table = client.table(t.location(), "id");
        assertAnswers(t, table, "id", keys, List.of());
        assertAnswers(t, table, "id", keys, List.of("note", "label", "count"));
        assertAnswers(t, table, "id", keys, List.of("old", "ratio", "price"));
        assertAnswers(t, table, "id", keys, List.of("note")); // only a column the first file lacks
        assertThat(table.lookup(3L, List.of()).get(0).get("count")).as("an int of the first file, answered as a long")
            .isInstanceOf(Long.class);
        assertThatThrownBy(() -> table.lookup(3L, List.of("name")))
            .as("a renamed column's old name")
            .isInstanceOfSatisfying(NeedleException.class, e -> assertThat(e.code()).isEqualTo(NeedleException.Code.NOT_FOUND));

        // The key column renamed too, and rows deleted by key after the rename: the first file
        // still names the key "id", the delete file "user_id"; both carry field id 1.
        t.table.updateSchema().renameColumn("id", "user_id").commit();
        t.deleteKeys("user_id", 1, 160);
        place.sync();
        Table renamed = client.table(t.location(), "user_id");
        renamed.relist();
        assertAnswers(t, renamed, "user_id", keys, List.of());
        assertThat(renamed.lookup(1L, List.of())).as("deleted by key, in a file written under the old key name").isEmpty();
        assertThat(renamed.lookup(160L, List.of())).as("deleted by key in both files, each under its own key name").isEmpty();
      }
    }
  }

  @Test
  void aDescribeOfAnEvolvedTableReadsOneFooterAndLookupsStillAnswerByFieldId() throws Exception {
    IcebergFixture t = IcebergFixture.create(dir.resolve("warehouse").toString(), null, "lazy", 2, FIRST);
    t.appendRecords(rows(FIRST, 0, 100, 1));
    t.appendRecords(rows(FIRST, 100, 200, 1));
    t.table.updateSchema().renameColumn("name", "label").addColumn("note", Types.StringType.get())
        .updateColumn("count", Types.LongType.get()).commit();
    t.appendRecords(rows(t.table.schema(), 200, 300, 2));
    t.appendRecords(rows(t.table.schema(), 300, 400, 2));
    try (Worker worker = Worker.startInProcess(WorkerConfig.defaults("127.0.0.1", 0, List.of(dir)), null, null)) {
      io.needle.protocol.proto.Response described = IcebergTableTest.describe(worker, t.location(), "id");
      assertThat(described.hasError()).as(described.getError().getMessage()).isFalse();
      assertThat(described.getDescribe().getFilesList()).hasSize(4)
          .as("one footer read: every other file described from its manifest")
          .filteredOn(f -> f.getSchemaId() != 0).hasSize(1);
      assertThat(described.getDescribe().getTableColumnsCount()).as("columns matched by field id").isPositive();
    }
    List<Long> keys = List.of(0L, 5L, 99L, 100L, 199L, 200L, 250L, 399L, 400L, -1L);
    try (Worker worker = Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(dir)));
         NeedleClient client = NeedleClient.builder().workers(List.of("127.0.0.1:" + worker.address().getPort()))
             .requestTimeout(Duration.ofSeconds(30)).build()) {
      Table table = client.table(t.location(), "id");
      assertAnswers(t, table, "id", keys, List.of("note", "label", "count")); // files first met in this lookup
      assertAnswers(t, table, "id", keys, List.of());
    }
  }

  @Test
  void aKeyColumnAddedAfterTheFirstFilesIsDescribedFromAFileThatHoldsIt() throws Exception {
    IcebergFixture t = IcebergFixture.create(dir.resolve("warehouse").toString(), null, "late-key", 2, FIRST);
    for (int i = 0; i < 3; i++) {
      t.appendRecords(rows(FIRST, i * 100, i * 100 + 100, 1));
    }
    t.table.updateSchema().addColumn("user_id", Types.LongType.get()).commit();
    List<Record> late = rows(t.table.schema(), 1000, 1100, 2);
    for (Record r : late) {
      r.setField("user_id", ((Long) r.getField("id")) + 5000);
    }
    t.appendRecords(late);
    try (Worker worker = Worker.startInProcess(WorkerConfig.defaults("127.0.0.1", 0, List.of(dir)), null, null)) {
      io.needle.protocol.proto.Response described = IcebergTableTest.describe(worker, t.location(), "user_id");
      assertThat(described.hasError()).as(described.getError().getMessage()).isFalse();
      // Files without user_id have no key range in the manifest, so their footers are read (the
      // client asks them for every key); of the files that hold it, one footer: the key's type.
      assertThat(described.getDescribe().getFilesList()).hasSize(4).filteredOn(f -> f.hasKeyMin()).singleElement()
          .satisfies(f -> assertThat(f.getSchemaId()).as("the footer of the one file holding the key").isNotZero());
    }
    try (Worker worker = Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(dir)));
         NeedleClient client = NeedleClient.builder().workers(List.of("127.0.0.1:" + worker.address().getPort()))
             .requestTimeout(Duration.ofSeconds(30)).build()) {
      assertAnswers(t, client.table(t.location(), "user_id"), "user_id", List.of(6000L, 6050L, 6099L, 5000L, 1L),
          List.of("id", "name", "user_id"));
    }
  }

  @Test
  void aFieldChangedInsideAStructAnswersUnsupportedRatherThanAWrongRow() throws Exception {
    Schema nested = new Schema(Types.NestedField.required(1, "id", Types.LongType.get()),
        Types.NestedField.optional(2, "point", Types.StructType.of(Types.NestedField.optional(3, "x", Types.DoubleType.get()))));
    IcebergFixture t = IcebergFixture.create(dir.resolve("warehouse").toString(), null, "nested", 2, nested);
    GenericRecord r = GenericRecord.create(nested);
    r.setField("id", 1L);
    t.appendRecords(List.of(r));
    t.table.updateSchema().renameColumn("point.x", "lon").commit();
    try (Worker worker = Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(dir)));
         NeedleClient client = NeedleClient.builder().workers(List.of("127.0.0.1:" + worker.address().getPort()))
             .requestTimeout(Duration.ofSeconds(30)).build()) {
      assertThatThrownBy(() -> client.table(t.location(), "id").lookup(1L, List.of()))
          .isInstanceOfSatisfying(NeedleException.class, e -> assertThat(e.code()).isEqualTo(NeedleException.Code.UNSUPPORTED))
          .hasMessageContaining("inside column point");
    }
  }

  /** Rows of the current schema with the re-added "old" column set (an int now). */
  private static List<Record> withOld(List<Record> rows) {
    for (Record r : rows) {
      r.setField("old", (int) (((Long) r.getField("id")) % 11));
    }
    return rows;
  }
}
