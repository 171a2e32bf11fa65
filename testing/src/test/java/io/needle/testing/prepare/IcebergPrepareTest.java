package io.needle.testing.prepare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.needle.bench.check.TableCheck;
import io.needle.bench.gen.WriterLayout;
import io.needle.bench.prepare.IcebergPreparer;
import io.needle.bench.prepare.PrepareOptions;
import io.needle.bench.prepare.PrepareResult;
import io.needle.bench.prepare.TablePreparer;
import io.needle.client.NeedleClient;
import io.needle.testing.iceberg.IcebergFixture;
import io.needle.testing.iceberg.IcebergTableTest;
import io.needle.testing.iceberg.MappedFileIO;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.apache.iceberg.BaseTable;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataOperations;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.StaticTableOperations;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code needle prepare} on Iceberg tables written by Iceberg's own writers (shuffled keys over
 * overlapping appends, position deletes or deletion vectors, equality deletes, a renamed and an
 * added column): prepared as a rewrite commit of the same table and as a new table. Oracle:
 * Iceberg's own reader of the source's snapshot and of the result (the same multiset of rows), and
 * parquet-java on the result's files (keys sorted and disjoint, page index, bloom filter); then a
 * real worker answers lookups on the result as Iceberg's reader does.
 */
class IcebergPrepareTest {
  private static final Pattern METADATA_NUMBER = Pattern.compile("v(\\d+)\\.metadata\\.json");
  private static final List<Long> KEYS = List.of(-1L, 0L, 3L, 4L, 5L, 10L, 11L, 12L, 100L, 299L, 300L, 450L, 599L,
      600L, 700L, 850L, 899L, 900L, 999L, 1000L, 5000L);

  @TempDir
  Path dir;

  /** Small files and a tiny sort budget: several output files, and the sort spills runs and merges them. */
  private static PrepareOptions options() {
    return PrepareOptions.defaults(IcebergFixture.KEY).withFileBytes(8 * 1024).withMemory(32 * 1024, 4);
  }

  private static PrintStream quiet() {
    return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
  }

  private static List<Long> shuffled(long from, long to, Random random) {
    List<Long> ids = new ArrayList<>(LongStream.range(from, to).boxed().toList());
    Collections.shuffle(ids, random);
    return ids;
  }

  /**
   * Unsorted, overlapping files (keys 300-599 twice), rows deleted by position (a deletion vector
   * in format 3) and by key, then {@code name} renamed to {@code label} and {@code extra} added,
   * and a file written under the new schema.
   */
  private IcebergFixture source(String name, int formatVersion) throws IOException {
    IcebergFixture t = IcebergFixture.create(dir.resolve("warehouse").toString(), null, name, formatVersion);
    Random random = new Random(formatVersion * 31L + name.hashCode());
    DataFile first = t.append(shuffled(0, 600, random), 1);
    t.append(shuffled(300, 900, random), 2);
    if (formatVersion >= 3) {
      t.deleteWithVector(first, 3, 4, 5, 100, 599);
    } else {
      t.deletePositions(first, 3, 4, 5, 100, 599);
    }
    t.deleteKeys(10, 11, 700);
    t.table.updateSchema().renameColumn("name", "label").addColumn("extra", Types.LongType.get()).commit();
    List<Record> late = new ArrayList<>();
    for (long id : shuffled(850, 1000, random)) {
      GenericRecord r = GenericRecord.create(t.table.schema());
      r.setField("id", id);
      r.setField("label", id % 5 == 0 ? null : "late-" + id);
      r.setField("score", id * 0.25);
      r.setField("extra", id * 3);
      late.add(r);
    }
    t.appendRecords(late);
    return t;
  }

  /**
   * Every live row of {@code snapshotId} as Iceberg's reader returns it, its columns by name, sorted:
   * a multiset. (With position deletes the reader's records carry the row position after the columns.)
   */
  private static List<String> rows(Table table, long snapshotId) throws IOException {
    List<String> out = new ArrayList<>();
    List<String> columns = table.schema().columns().stream().map(Types.NestedField::name).toList();
    try (CloseableIterable<Record> rows = IcebergGenerics.read(table).useSnapshot(snapshotId).build()) {
      for (Record r : rows) {
        out.add(String.join("|", columns.stream().map(c -> c + "=" + r.getField(c)).toList()));
      }
    }
    Collections.sort(out);
    return out;
  }

  /** The table at {@code location} as its newest {@code v<N>.metadata.json} says, read by Iceberg alone. */
  private static Table load(Path location) throws IOException {
    Path newest;
    try (Stream<Path> files = Files.list(location.resolve("metadata"))) {
      newest = files.filter(p -> METADATA_NUMBER.matcher(p.getFileName().toString()).matches())
          .max(Comparator.comparingLong(IcebergPrepareTest::number)).orElseThrow();
    }
    return new BaseTable(new StaticTableOperations(newest.toString(), new MappedFileIO()), location.toString());
  }

  private static long number(Path metadataFile) {
    Matcher m = METADATA_NUMBER.matcher(metadataFile.getFileName().toString());
    return m.matches() ? Long.parseLong(m.group(1)) : -1;
  }

  private static Path localPath(String location) {
    return location.startsWith("file:") ? Path.of(URI.create(location)) : Path.of(location);
  }

  private static List<FileScanTask> tasks(Table table) throws IOException {
    List<FileScanTask> out = new ArrayList<>();
    try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
      tasks.forEach(out::add);
    }
    return out;
  }

  private Worker worker() throws Exception {
    return Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(dir)).withManifestTtl(Duration.ofMinutes(10)));
  }

  private static NeedleClient client(Worker worker) {
    return NeedleClient.builder().workers(List.of("127.0.0.1:" + worker.address().getPort()))
        .requestTimeout(Duration.ofSeconds(30)).build();
  }

  @ParameterizedTest(name = "format version {0}")
  @ValueSource(ints = {2, 3})
  void aRewriteCommitReplacesEveryDataAndDeleteFileWithTheSameRowsSortedByTheKey(int formatVersion) throws Exception {
    IcebergFixture t = source("rewrite-v" + formatVersion, formatVersion);
    Path location = localPath(t.location());
    Snapshot before = t.table.currentSnapshot();
    List<String> sourceRows = rows(t.table, before.snapshotId());
    assertThat(tasks(t.table)).as("the source has delete files").anyMatch(task -> !task.deletes().isEmpty());

    try (Worker worker = worker(); NeedleClient client = client(worker)) {
      io.needle.client.Table served = client.table(t.location(), IcebergFixture.KEY);
      for (long key : KEYS) { // the source snapshot is served (its old files name columns as they were)
        assertThat(served.lookup(key, List.of())).as("key %d", key).hasSameSizeAs(t.icebergRows(key));
      }

      PrepareResult r = IcebergPreparer.prepare(location, null, IcebergPreparer.Output.REWRITE, options(), quiet());

      Table prepared = load(location);
      Snapshot after = prepared.currentSnapshot();
      assertThat(after.parentId()).as("one new snapshot on top of the one read").isEqualTo(before.snapshotId());
      assertThat(after.operation()).isEqualTo(DataOperations.REPLACE);
      assertThat(rows(prepared, after.snapshotId())).as("Iceberg reads the same rows").isEqualTo(sourceRows);
      assertThat(rows(prepared, before.snapshotId())).as("the old snapshot is still there").isEqualTo(sourceRows);
      List<FileScanTask> tasks = tasks(prepared);
      assertThat(tasks).as("no delete file is left").allMatch(task -> task.deletes().isEmpty());
      assertThat(tasks.stream().map(task -> localPath(task.file().location())).sorted().toList())
          .isEqualTo(r.files());
      assertThat(r.rows()).isEqualTo(sourceRows.size());
      assertThat(r.files()).as("disjoint files").hasSizeGreaterThan(1);
      assertThat(r.runs()).as("the sort spilled").isGreaterThan(1);
      PrepareTest.assertLookupFriendly(r.files(), IcebergFixture.KEY, WriterLayout.defaults());

      served.relist(); // the worker loads the rewrite's snapshot: the new files, no deletes
      IcebergTableTest.assertAnswers(IcebergFixture.of(prepared), served, KEYS, IcebergPrepareTest::localPath);
    }
  }

  @Test
  void aNewTableHoldsTheSameRowsSortedByTheKeyAndTheSourceIsLeftAsItWas() throws Exception {
    IcebergFixture t = source("copy", 2);
    Path location = localPath(t.location());
    Snapshot before = t.table.currentSnapshot();
    List<String> sourceRows = rows(t.table, before.snapshotId());
    Path dst = dir.resolve("prepared");

    PrepareResult r = IcebergPreparer.prepare(location, dst, IcebergPreparer.Output.NEW_TABLE, options(), quiet());

    assertThat(load(location).currentSnapshot().snapshotId()).as("the source is unchanged")
        .isEqualTo(before.snapshotId());
    Table prepared = load(dst);
    assertThat(rows(prepared, prepared.currentSnapshot().snapshotId())).isEqualTo(sourceRows);
    assertThat(prepared.schema().columns().stream().map(Types.NestedField::name).toList())
        .containsExactly("id", "label", "score", "extra");
    assertThat(prepared.sortOrder().fields()).singleElement()
        .satisfies(f -> assertThat(f.sourceId()).isEqualTo(prepared.schema().findField("id").fieldId()));
    assertThat(tasks(prepared).stream().map(task -> localPath(task.file().location())).sorted().toList())
        .isEqualTo(r.files());
    PrepareTest.assertLookupFriendly(r.files(), IcebergFixture.KEY, WriterLayout.defaults());
    assertThat(Files.list(dst).map(p -> p.getFileName().toString()).toList())
        .as("the sort's runs are gone").containsExactlyInAnyOrder("data", "metadata");

    try (Worker worker = worker(); NeedleClient client = client(worker)) {
      IcebergTableTest.assertAnswers(IcebergFixture.of(prepared), client.table(dst.toString(), IcebergFixture.KEY),
          KEYS, IcebergPrepareTest::localPath);
    }
  }

  /** Every type Iceberg writes to plain Parquet, nested ones too, with nulls. */
  private static final org.apache.iceberg.Schema ALL_TYPES = new org.apache.iceberg.Schema(
      Types.NestedField.required(1, "id", Types.LongType.get()),
      Types.NestedField.optional(2, "i", Types.IntegerType.get()),
      Types.NestedField.optional(3, "f", Types.FloatType.get()),
      Types.NestedField.optional(4, "d", Types.DoubleType.get()),
      Types.NestedField.optional(5, "b", Types.BooleanType.get()),
      Types.NestedField.optional(6, "dt", Types.DateType.get()),
      Types.NestedField.optional(7, "t", Types.TimeType.get()),
      Types.NestedField.optional(8, "ts", Types.TimestampType.withoutZone()),
      Types.NestedField.optional(9, "tstz", Types.TimestampType.withZone()),
      Types.NestedField.optional(10, "s", Types.StringType.get()),
      Types.NestedField.optional(11, "u", Types.UUIDType.get()),
      Types.NestedField.optional(12, "fx", Types.FixedType.ofLength(5)),
      Types.NestedField.optional(13, "bin", Types.BinaryType.get()),
      Types.NestedField.optional(14, "dec9", Types.DecimalType.of(9, 2)),
      Types.NestedField.optional(15, "dec18", Types.DecimalType.of(18, 4)),
      Types.NestedField.optional(16, "dec30", Types.DecimalType.of(30, 6)),
      Types.NestedField.optional(17, "st", Types.StructType.of(
          Types.NestedField.optional(18, "a", Types.IntegerType.get()),
          Types.NestedField.optional(19, "z", Types.StringType.get()))),
      Types.NestedField.optional(20, "l", Types.ListType.ofOptional(21, Types.LongType.get())),
      Types.NestedField.optional(22, "m", Types.MapType.ofOptional(23, 24, Types.StringType.get(),
          Types.DoubleType.get())));

  private static Record allTypes(long id) {
    GenericRecord r = GenericRecord.create(ALL_TYPES);
    r.setField("id", id);
    if (id % 9 == 4) {
      return r; // every optional column null
    }
    r.setField("i", (int) (id * 7 - 300));
    r.setField("f", id / 3f);
    r.setField("d", -id / 7.0);
    r.setField("b", id % 2 == 0);
    r.setField("dt", java.time.LocalDate.of(2020, 1, 1).plusDays(id));
    r.setField("t", java.time.LocalTime.of(1, 2, 3).plusNanos(id * 1000));
    r.setField("ts", java.time.LocalDateTime.of(2021, 3, 4, 5, 6).plusSeconds(id));
    r.setField("tstz", java.time.OffsetDateTime.of(2022, 1, 1, 0, 0, 0, 0, java.time.ZoneOffset.UTC).plusMinutes(id));
    r.setField("s", "s-" + id + "-\u00e9");
    r.setField("u", new java.util.UUID(id, -id));
    r.setField("fx", new byte[] {(byte) id, 1, 2, 3, (byte) -id});
    r.setField("bin", java.nio.ByteBuffer.wrap(("bin" + id).getBytes(StandardCharsets.UTF_8)));
    r.setField("dec9", java.math.BigDecimal.valueOf(id * 101 - 5000, 2));
    r.setField("dec18", java.math.BigDecimal.valueOf(id * 1_000_003L - 77, 4));
    r.setField("dec30", new java.math.BigDecimal(java.math.BigInteger.valueOf(id).pow(5).negate(), 6));
    GenericRecord st = GenericRecord.create(ALL_TYPES.findType("st").asStructType());
    st.setField("a", (int) id);
    st.setField("z", id % 3 == 0 ? null : "z" + id);
    r.setField("st", st);
    r.setField("l", id % 5 == 0 ? List.of() : java.util.Arrays.asList(id, null, -id));
    Map<String, Double> m = new java.util.LinkedHashMap<>();
    m.put("k" + id, id * 1.5);
    m.put("n" + id, null);
    r.setField("m", m);
    return r;
  }

  /** A value as a string that compares by content (buffers and arrays as hex, maps sorted, records by field). */
  private static String canon(Object v) {
    if (v instanceof java.nio.ByteBuffer b) {
      return java.util.HexFormat.of().formatHex(java.util.Arrays.copyOfRange(b.array(),
          b.arrayOffset() + b.position(), b.arrayOffset() + b.limit()));
    }
    if (v instanceof byte[] a) {
      return java.util.HexFormat.of().formatHex(a);
    }
    if (v instanceof Record r) {
      List<String> fields = new ArrayList<>();
      for (Types.NestedField f : r.struct().fields()) {
        fields.add(f.name() + "=" + canon(r.getField(f.name())));
      }
      return "{" + String.join(",", fields) + "}";
    }
    if (v instanceof List<?> l) {
      return l.stream().map(IcebergPrepareTest::canon).toList().toString();
    }
    if (v instanceof Map<?, ?> m) {
      return m.entrySet().stream().map(e -> canon(e.getKey()) + ":" + canon(e.getValue())).sorted().toList().toString();
    }
    return String.valueOf(v);
  }

  private static List<String> canonRows(Table table) throws IOException {
    List<String> out = new ArrayList<>();
    try (CloseableIterable<Record> rows = IcebergGenerics.read(table).build()) {
      for (Record r : rows) {
        List<String> fields = new ArrayList<>();
        for (Types.NestedField f : table.schema().columns()) {
          fields.add(f.name() + "=" + canon(r.getField(f.name())));
        }
        out.add(String.join("|", fields));
      }
    }
    Collections.sort(out);
    return out;
  }

  @Test
  void everyTypeIcebergWritesToParquetSurvivesAPrepare() throws Exception {
    IcebergFixture t = IcebergFixture.create(dir.resolve("warehouse").toString(), null, "types", 2, ALL_TYPES);
    Random random = new Random(11);
    for (int file = 0; file < 3; file++) {
      List<Record> rows = new ArrayList<>();
      for (long id : shuffled(file * 100L, file * 100L + 150, random)) { // keys 100-149 and 200-249 twice
        rows.add(allTypes(id));
      }
      t.appendRecords(rows);
    }
    List<String> source = canonRows(t.table);
    assertThat(source).hasSize(450);

    Path dst = dir.resolve("types-prepared");
    IcebergPreparer.prepare(localPath(t.location()), dst, IcebergPreparer.Output.NEW_TABLE, options(), quiet());

    assertThat(canonRows(load(dst))).as("Iceberg reads the same values back").isEqualTo(source);
  }

  @Test
  void nullKeysAreRefusedAndTheTableIsLeftAsItWas() throws Exception {
    IcebergFixture t = source("null-keys", 2);
    Path location = localPath(t.location());
    List<String> before;
    try (Stream<Path> files = Files.walk(location)) {
      before = files.map(Path::toString).sorted().toList();
    }
    PrepareOptions byLabel = PrepareOptions.defaults("label").withMemory(32 * 1024, 4);
    assertThatThrownBy(() -> IcebergPreparer.prepare(location, null, IcebergPreparer.Output.REWRITE, byLabel, quiet()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("null label");
    try (Stream<Path> files = Files.walk(location)) {
      assertThat(files.map(Path::toString).sorted().toList()).as("no file written, spilled or committed")
          .isEqualTo(before);
    }
  }

  @Test
  void tableFormatFoldersAreNotPreparedAsDirectoryTables() throws Exception {
    IcebergFixture t = source("as-directory", 2);
    Path location = localPath(t.location());
    assertThat(IcebergPreparer.isIcebergTable(location)).isTrue();
    assertThatThrownBy(() -> TablePreparer.prepare(location, dir.resolve("out-iceberg"), options(), quiet()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is an Iceberg table, not a directory");
    assertThatThrownBy(() -> TableCheck.run(location, "id", List.of(), TableCheck.DEFAULT_SAMPLE_KEYS, 1))
        .as("needle check, like every tool that lists a directory table")
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("TABLE " + location + " is an Iceberg table");

    Path dataFile = tasks(t.table).get(0).file().location().transform(IcebergPrepareTest::localPath);
    for (String marker : List.of("_delta_log", ".hoodie")) {
      Path table = dir.resolve("format" + marker);
      Files.createDirectories(table.resolve(marker));
      Files.copy(dataFile, table.resolve("part-0.parquet"));
      assertThatThrownBy(() -> TablePreparer.prepare(table, dir.resolve("out" + marker), options(), quiet()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(marker.equals(".hoodie") ? "Apache Hudi table" : "Delta Lake table");
    }
    assertThatThrownBy(() -> IcebergPreparer.prepare(location, null, IcebergPreparer.Output.NEW_TABLE, options(),
        quiet())).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("DST is required");
    assertThatThrownBy(() -> IcebergPreparer.prepare(localPath(t.metadataLocation()), null,
        IcebergPreparer.Output.REWRITE, options(), quiet()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("give the table's location");
  }
}
