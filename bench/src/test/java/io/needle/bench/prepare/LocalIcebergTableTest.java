package io.needle.bench.prepare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.SortOrder;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.TableMetadataParser;
import org.apache.iceberg.TableOperations;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commit protocol of {@code needle prepare}'s file-system Iceberg tables: numbered metadata
 * files in both naming styles, the newest one is the table, and a commit on a stale base fails
 * rather than replace or lose another writer's commit.
 */
class LocalIcebergTableTest {
  private static final Schema SCHEMA = new Schema(Types.NestedField.required(1, "id", Types.LongType.get()));

  @TempDir
  Path dir;

  private static TableMetadata metadata(Path location) {
    return TableMetadata.newTableMetadata(SCHEMA, PartitionSpec.unpartitioned(), SortOrder.unsorted(),
        location.toString(), Map.of());
  }

  private static TableOperations ops(Table table) {
    return ((HasTableOperations) table).operations();
  }

  private static String[] metadataFiles(Path location) throws Exception {
    try (Stream<Path> files = Files.list(location.resolve("metadata"))) {
      return files.map(p -> p.getFileName().toString()).sorted().toArray(String[]::new);
    }
  }

  @Test
  void commitsWriteTheNextNumberAndAStaleBaseFails() throws Exception {
    Path location = dir.resolve("t");
    LocalIcebergTable.create(metadata(location));
    assertThat(LocalIcebergTable.isIceberg(location)).isTrue();
    assertThat(LocalIcebergTable.isIceberg(dir)).isFalse();

    Table first = LocalIcebergTable.open(location);
    Table second = LocalIcebergTable.open(location);
    TableMetadata base = ops(second).current();
    first.updateProperties().set("writer", "first").commit();
    assertThat(metadataFiles(location)).containsExactly("v1.metadata.json", "v2.metadata.json");

    // The second writer read v1: its commit must not land as v2 over the first writer's.
    TableMetadata stale = TableMetadata.buildFrom(base).setProperties(Map.of("writer", "second")).build();
    assertThatThrownBy(() -> ops(second).commit(base, stale)).isInstanceOf(CommitFailedException.class)
        .hasMessageContaining("changed since it was read");
    assertThat(LocalIcebergTable.open(location).properties()).containsEntry("writer", "first");

    // Iceberg's own retry (refresh, then commit again) succeeds on top of the newest metadata.
    second.refresh();
    second.updateProperties().set("writer", "second").commit();
    assertThat(metadataFiles(location)).containsExactly("v1.metadata.json", "v2.metadata.json", "v3.metadata.json");
    assertThat(LocalIcebergTable.open(location).properties()).containsEntry("writer", "second")
        .doesNotContainKey("missing");
  }

  @Test
  void catalogStyleNamesContinueInTheirStyleAndAPinnedFileIsReadOnly() throws Exception {
    Path location = dir.resolve("c");
    Files.createDirectories(location.resolve("metadata"));
    Path pinned = location.resolve("metadata").resolve("00012-5b8b1c2e-0000-4000-8000-000000000000.metadata.json");
    TableMetadataParser.overwrite(metadata(location), new LocalFileIO().newOutputFile(pinned.toString()));

    Table table = LocalIcebergTable.open(location);
    table.updateProperties().set("k", "v").commit();
    String[] files = metadataFiles(location);
    assertThat(files).hasSize(2);
    assertThat(files[1]).startsWith("00013-").endsWith(".metadata.json");
    assertThat(LocalIcebergTable.open(location).properties()).containsEntry("k", "v");

    Table past = LocalIcebergTable.open(pinned);
    assertThat(past.properties()).doesNotContainKey("k");
    assertThatThrownBy(() -> past.updateProperties().set("k", "w").commit())
        .isInstanceOf(CommitFailedException.class).hasMessageContaining("open its location to commit");
  }
}
