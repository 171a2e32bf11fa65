package io.needle.testing.iceberg;

import io.needle.client.NeedleClient;
import io.needle.client.Row;
import io.needle.client.Table;
import io.needle.testing.MatrixTables;
import io.needle.testing.ParquetOracle;
import io.needle.testing.TableSpec;
import io.needle.testing.s3.S3Fixture;
import io.needle.pagestore.EvictionPolicy;
import io.needle.pagestore.PageStoreConfig;
import io.needle.worker.RepagingConfig;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
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
import java.util.stream.Stream;

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
  private static final String S3_WAREHOUSE = "s3://" + S3Fixture.BUCKET + "/ice-matrix";

  /** Where the Iceberg tables live. */
  enum Place { LOCAL, S3 }

  @TempDir
  Path dir;

  @ParameterizedTest(name = "{0}")
  @EnumSource(Place.class)
  void everyMatrixTableServedAsIcebergAnswersLikeParquetJava(Place place) throws Exception {
    List<TableSpec> tables = MatrixTables.write(dir.resolve("matrix"));
    Map<Path, ParquetOracle> oracles = new HashMap<>();
    Map<TableSpec, String> locations = new HashMap<>();
    Path mapped = dir.resolve("mapped");
    for (TableSpec t : tables) {
      locations.put(t, commitAsIceberg(t, oracles, place == Place.S3 ? S3_WAREHOUSE : dir.resolve("ice").toString(),
          place == Place.S3 ? mapped : null));
    }
    try (S3Fixture s3 = place == Place.S3 ? upload(mapped) : null;
         Worker worker = start(s3);
         NeedleClient client = NeedleClient.builder().workers(List.of("127.0.0.1:" + worker.address().getPort()))
             .requestTimeout(Duration.ofSeconds(30)).build()) {
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
  }

  /**
   * An Iceberg table at {@code ice/<name>} whose data files are copies of the matrix table's files
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

  /** An S3 server holding every file of {@code mapped} under the warehouse's keys. */
  private static S3Fixture upload(Path mapped) throws Exception {
    S3Fixture s3 = S3Fixture.start();
    String prefix = S3_WAREHOUSE.substring(("s3://" + S3Fixture.BUCKET + "/").length());
    try (Stream<Path> files = Files.walk(mapped)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        s3.put(prefix + "/" + mapped.relativize(f).toString().replace('\\', '/'), f);
      }
    }
    return s3;
  }

  private Worker start(S3Fixture s3) throws Exception {
    WorkerConfig config = WorkerConfig.defaults("127.0.0.1", 0, List.of(dir));
    if (s3 == null) {
      return Worker.start(config);
    }
    PageStoreConfig store = new PageStoreConfig(Files.createTempDirectory(dir, "cache"), 64L << 20, 1 << 20,
        EvictionPolicy.LRU, false, 8192, "test", true, false);
    return Worker.start(config, store, s3.workerConfig(), RepagingConfig.defaults().withEnabled(false));
  }
}
