package io.needle.benchcli;

import static org.assertj.core.api.Assertions.assertThat;

import io.needle.bench.gen.Layout;
import io.needle.bench.gen.LayoutTable;
import io.needle.testsupport.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code needle gen --layout} and the mistakes the layout options refuse. */
class LayoutCliTest {
  @TempDir
  Path dir;

  @Test
  void genLayoutWritesTheLayoutsFilesAndNamesTheKeyColumn() throws Exception {
    CliRun gen = CliRun.of(Main::run, "gen", "--layout", "parquet-java-snappy", "--rows", "200", "--out",
        dir.resolve("t").toString());
    assertThat(gen.exit()).as(gen.err()).isZero();
    assertThat(gen.err()).contains("layout parquet-java-snappy", "key column: " + LayoutTable.KEY_COLUMN);
    try (var files = Files.list(dir.resolve("t"))) {
      assertThat(files.filter(p -> p.toString().endsWith(".parquet"))).hasSize(Layout.PARQUET_JAVA_SNAPPY.files());
    }
  }

  @Test
  void refusesWhatTheLayoutDecidesAndUnknownNames() {
    CliRun files = CliRun.of(Main::run, "gen", "--layout", "duckdb-zstd", "--files", "2", "--rows", "10", "--out",
        dir.resolve("x").toString());
    assertThat(files.exit()).isNotZero();
    assertThat(files.err()).contains("--files does not go with --layout");
    CliRun unknown = CliRun.of(Main::run, "gen", "--layout", "spark", "--rows", "10", "--out", dir.resolve("x").toString());
    assertThat(unknown.exit()).isNotZero();
    assertThat(unknown.err()).contains("unknown layout 'spark'", "duckdb-zstd");
    assertThat(CliRun.of(Main::run, "bench", "--layouts", "all", "--table", dir.toString()).err())
        .contains("--table does not go with --layouts");
    assertThat(CliRun.of(Main::run, "bench", "--compare-gen-layout", dir.toString()).err())
        .contains("go with --table");
    assertThat(dir.resolve("x")).doesNotExist();
  }
}
