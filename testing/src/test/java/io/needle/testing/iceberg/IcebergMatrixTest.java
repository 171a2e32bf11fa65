package io.needle.testing.iceberg;

import io.needle.client.NeedleClient;
import io.needle.client.Row;
import io.needle.client.Table;
import io.needle.testing.MatrixTables;
import io.needle.testing.ParquetOracle;
import io.needle.testing.TableSpec;
import io.needle.worker.Worker;
import org.apache.iceberg.BaseTable;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.SortOrder;
import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Iceberg as a table kind of the conformance matrix: every matrix table (every key type, value
 * type, encoding, codec, page version, row groups, files, duplicate and absent keys) committed
 * as the data files of an Iceberg table, looked up through its location, answers exactly as
 * parquet-java reads the same files, like the directory table does (MatrixLookupTest); in both
 * places a table lives: local files, and S3 (S3Proxy on loopback, metadata, manifests and data
 * files all read through the worker's S3 storage).
 */
class IcebergMatrixTest {
  @TempDir
  Path dir;

  @ParameterizedTest(name = "{0}")
  @EnumSource(IcebergPlace.Kind.class)
  void everyMatrixTableServedAsIcebergAnswersLikeParquetJava(IcebergPlace.Kind kind) throws Exception {
    List<TableSpec> tables = MatrixTables.write(dir.resolve("matrix"));
    Map<Path, ParquetOracle> oracles = new HashMap<>();
    Map<TableSpec, String> locations = new HashMap<>();
    try (IcebergPlace place = IcebergPlace.open(kind, dir)) {
      for (TableSpec t : tables) {
        locations.put(t, commitAsIceberg(t, oracles, place.warehouse(), place.mapped()));
      }
      place.sync();
      try (Worker worker = place.worker(Duration.ofMinutes(10));
           NeedleClient client = NeedleClient.builder().workers(List.of("127.0.0.1:" + worker.address().getPort()))
               .requestTimeout(Duration.ofSeconds(30)).build()) {
        assertAnswers(client, tables, locations, oracles);
      }
    }
  }

  private static void assertAnswers(NeedleClient client, List<TableSpec> tables, Map<TableSpec, String> locations,
      Map<Path, ParquetOracle> oracles) {
    Random random = new Random(3);
    int rows = 0;
    for (TableSpec t : tables) {
      Table table = client.table(locations.get(t), t.keyColumn());
      List<Object> keys = new ArrayList<>(t.duplicateKeys());
      for (int i = 0; i < 25; i++) {
        keys.add(t.presentKeys().get(random.nextInt(t.presentKeys().size())));
      }
      keys.addAll(t.absentKeys());
      Map<Object, List<Row>> result = table.lookupAll(keys, List.of());
      for (Object key : keys) {
        List<String> want = new ArrayList<>();
        List<Path> files = new ArrayList<>(t.files());
        Collections.sort(files);
        for (Path f : files) {
          want.addAll(oracles.get(f).lookupJson(t.keyColumn(), key, List.of()));
        }
        assertThat(result.get(key).stream().map(Row::toJson).toList()).as("%s (%s) key %s", t.name(), t.layout(), key)
            .isEqualTo(want);
        rows += want.size();
      }
    }
    assertThat(rows).isGreaterThan(100);
  }

  /**
   * An Iceberg table at {@code <warehouse>/<name>} (written to {@code mapped} for S3) whose data files are copies of the matrix table's files
   * (same relative paths under {@code data/}), appended in one commit. Needle reads each Parquet
   * file's own schema; the Iceberg schema only has to stay the same across commits.
   */
  private static String commitAsIceberg(TableSpec t, Map<Path, ParquetOracle> oracles, String warehouse, Path mapped)
      throws Exception {
    String location = warehouse + "/" + t.name();
    MappedFileIO io = new MappedFileIO();
    io.initialize(mapped == null ? Map.of()
        : Map.of(MappedFileIO.PREFIX, warehouse, MappedFileIO.DIR, mapped.toString()));
    FileTableOperations ops = new FileTableOperations(io);
    Schema schema = new Schema(Types.NestedField.optional(1, t.keyColumn(), Types.LongType.get()));
    ops.create(TableMetadata.newTableMetadata(schema, PartitionSpec.unpartitioned(), SortOrder.unsorted(), location,
        Map.of(TableProperties.FORMAT_VERSION, "2")));
    AppendFiles append = new BaseTable(ops, t.name()).newAppend();
    for (Path f : t.files()) {
      String relative = t.dir().relativize(f).toString().replace('\\', '/');
      Path copy = (mapped == null ? Path.of(location) : mapped.resolve(t.name())).resolve("data").resolve(relative);
      Files.createDirectories(copy.getParent());
      Files.copy(f, copy);
      ParquetOracle oracle = ParquetOracle.open(f);
      oracles.put(f, oracle);
      append.appendFile(DataFiles.builder(PartitionSpec.unpartitioned()).withPath(location + "/data/" + relative)
          .withFileSizeInBytes(Files.size(copy)).withRecordCount(oracle.rows().size()).withFormat(FileFormat.PARQUET).build());
    }
    append.commit();
    return location;
  }
}
