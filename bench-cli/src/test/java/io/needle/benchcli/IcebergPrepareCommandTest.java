package io.needle.benchcli;

import static org.assertj.core.api.Assertions.assertThat;

import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.testsupport.CliRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.iceberg.BaseTable;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.LocationProviders;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.SortOrder;
import org.apache.iceberg.StaticTableOperations;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.TableMetadataParser;
import org.apache.iceberg.TableOperations;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.parquet.GenericParquetWriter;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.InputFile;
import org.apache.iceberg.io.LocationProvider;
import org.apache.iceberg.io.OutputFile;
import org.apache.iceberg.parquet.Parquet;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code needle prepare} of an Iceberg table from the command line: a new table at DST, or
 * {@code --rewrite} of SRC, one of them; checked with Iceberg's own reader of the result.
 */
class IcebergPrepareCommandTest {
  private static final Schema SCHEMA = new Schema(Types.NestedField.required(1, "id", Types.LongType.get()),
      Types.NestedField.optional(2, "name", Types.StringType.get()));

  @TempDir
  Path dir;

  /** A file-system table written by Iceberg: {@code metadata/v<N>.metadata.json}, local files, no catalog. */
  private static final class Ops implements TableOperations {
    private final FileIO io = new FileIO() {
      @Override
      public InputFile newInputFile(String path) {
        return org.apache.iceberg.Files.localInput(path);
      }

      @Override
      public OutputFile newOutputFile(String path) {
        new java.io.File(path).getParentFile().mkdirs();
        return org.apache.iceberg.Files.localOutput(path);
      }

      @Override
      public void deleteFile(String path) {
        new java.io.File(path).delete();
      }
    };
    private final String location;
    private TableMetadata current;
    private int version;

    Ops(String location) {
      this.location = location;
    }

    @Override
    public TableMetadata current() {
      return current;
    }

    @Override
    public TableMetadata refresh() {
      return current;
    }

    @Override
    public void commit(TableMetadata base, TableMetadata metadata) {
      String file = metadataFileLocation("v" + (++version) + ".metadata.json");
      TableMetadataParser.overwrite(metadata, io.newOutputFile(file));
      current = TableMetadataParser.read(io, file);
    }

    @Override
    public FileIO io() {
      return io;
    }

    @Override
    public String metadataFileLocation(String fileName) {
      return location + "/metadata/" + fileName;
    }

    @Override
    public LocationProvider locationProvider() {
      return LocationProviders.locationsFor(current.location(), current.properties());
    }
  }

  private static Table create(Path location) throws IOException {
    Ops ops = new Ops(location.toString());
    ops.commit(null, TableMetadata.newTableMetadata(SCHEMA, PartitionSpec.unpartitioned(), SortOrder.unsorted(),
        location.toString(), Map.of()));
    Table table = new BaseTable(ops, "t");
    for (int file = 0; file < 3; file++) {
      String path = table.locationProvider().newDataLocation("f" + file + ".parquet");
      DataWriter<Record> writer = Parquet.writeData(ops.io().newOutputFile(path)).schema(SCHEMA)
          .createWriterFunc(GenericParquetWriter::create).withSpec(PartitionSpec.unpartitioned()).overwrite().build();
      try (writer) {
        for (long id = 900 - file; id >= 0; id -= 3) { // descending, interleaved across files
          GenericRecord r = GenericRecord.create(SCHEMA);
          r.setField("id", id);
          r.setField("name", "n" + id);
          writer.write(r);
        }
      }
      DataFile data = writer.toDataFile();
      table.newAppend().appendFile(data).commit();
    }
    return table;
  }

  private static List<String> rows(Path location) throws IOException {
    Path newest;
    try (Stream<Path> files = Files.list(location.resolve("metadata"))) {
      newest = files.filter(p -> p.getFileName().toString().matches("v\\d+\\.metadata\\.json"))
          .max(Comparator.comparingInt(p -> Integer.parseInt(p.getFileName().toString().replaceAll("\\D", ""))))
          .orElseThrow();
    }
    Table table = new BaseTable(new StaticTableOperations(newest.toString(), new Ops(location.toString()).io()), "t");
    List<String> out = new ArrayList<>();
    try (CloseableIterable<Record> records = IcebergGenerics.read(table).build()) {
      records.forEach(r -> out.add(r.getField("id") + "|" + r.getField("name")));
    }
    Collections.sort(out);
    return out;
  }

  @Test
  void prepareWritesANewIcebergTableOrRewritesTheSourceInPlace() throws Exception {
    Path src = dir.resolve("src");
    create(src);
    List<String> source = rows(src);
    assertThat(source).hasSize(901);

    Path dst = dir.resolve("dst");
    CliRun copy = CliRun.of(Main::run, "prepare", src.toString(), dst.toString(), "--key-column", "id",
        "--file-size", "8k");
    assertThat(copy.exit()).as(copy.err()).isZero();
    assertThat(copy.err()).contains("prepared 901 rows", "verified: same rows as the source");
    assertThat(rows(dst)).isEqualTo(source);

    CliRun rewrite = CliRun.of(Main::run, "prepare", src.toString(), "--rewrite", "--key-column", "id");
    assertThat(rewrite.exit()).as(rewrite.err()).isZero();
    assertThat(rewrite.err()).contains("prepared 901 rows", "(a rewrite commit)");
    assertThat(rows(src)).isEqualTo(source);
  }

  @Test
  void anIcebergSourceNeedsDstOrRewriteAndADirectoryCannotBeRewritten() throws Exception {
    Path src = dir.resolve("src");
    create(src);
    CliRun neither = CliRun.of(Main::run, "prepare", src.toString(), "--key-column", "id");
    assertThat(neither.exit()).isEqualTo(1);
    assertThat(neither.err()).contains("needs DST (a new table) or --rewrite");
    CliRun both = CliRun.of(Main::run, "prepare", src.toString(), dir.resolve("x").toString(), "--rewrite",
        "--key-column", "id");
    assertThat(both.exit()).isEqualTo(1);

    Path plain = dir.resolve("plain");
    new FeatureTable(GenOptions.defaults(100, 1)).write(plain);
    CliRun notIceberg = CliRun.of(Main::run, "prepare", plain.toString(), "--rewrite", "--key-column", "user_id");
    assertThat(notIceberg.exit()).isEqualTo(1);
    assertThat(notIceberg.err()).contains("--rewrite is for Iceberg tables");
    assertThat(Files.exists(dir.resolve("x"))).isFalse();
  }
}
