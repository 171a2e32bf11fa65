package io.needle.benchcli;

import static org.assertj.core.api.Assertions.assertThat;

import io.needle.bench.gen.RagRow;
import io.needle.bench.gen.RagTable;
import io.needle.testsupport.CliRun;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code needle gen --shape rag}, lookups by string key, and the rag and --table modes of {@code needle bench}. */
class RagAndUserTableCliTest {
  @TempDir
  static Path dir;

  static Worker worker;
  static RagTable docs;

  @BeforeAll
  static void setUp() throws Exception {
    CliRun gen = CliRun.of(Main::run, "gen", "--shape", "rag", "--rows", "600", "--files", "2", "--embedding-dim", "8",
        "--out", dir.resolve("docs").toString());
    assertThat(gen.exit()).as(gen.err()).isZero();
    assertThat(gen.err()).contains("key column: doc_id");
    docs = new RagTable(RagTable.defaultOptions(600, 2).withEmbeddingDim(8));
    CliRun users = CliRun.of(Main::run, "gen", "--rows", "3000", "--files", "2", "--out", dir.resolve("users").toString());
    assertThat(users.exit()).as(users.err()).isZero();
    try (var files = Files.list(dir.resolve("users"))) { // moved here from the cli module's LookupCommandTest
      assertThat(files.filter(p -> p.toString().endsWith(".parquet")).count()).isEqualTo(2);
    }
    worker = Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(dir)));
  }

  @AfterAll
  static void tearDown() {
    worker.close();
  }

  @Test
  void genWritesTheRagTableThatTheGeneratorDescribes() {
    String key = docs.keyAt(456);
    RagRow expected = docs.expected(key);
    CliRun r = CliRun.of(Main::run, "lookup", "--worker", "127.0.0.1:" + worker.address().getPort(), "--table",
        dir.resolve("docs").toString(), "--key-column", "doc_id", "--key", key, docs.absentKeyNear(456),
        "--columns", "doc_id,text");
    assertThat(r.exit()).as(r.err()).isZero();
    // JSON escapes the newlines of the text (as backslash-u000a) and keeps its multi-byte characters.
    assertThat(r.out().lines().toList()).containsExactly(
        "{\"doc_id\":\"" + key + "\",\"text\":\"" + expected.text().replace("\n", "\\u000a") + "\"}");
  }

  @Test
  void benchRunsTheRagWorkloadBesideParquetJavaAndDuckDb() throws Exception {
    Path tables = dir.resolve("bench-tables");
    CliRun r = CliRun.of(Main::run, "bench", "--rows", "500", "--files", "2", "--table-dir", tables.toString(),
        "--workloads", "rag", "--keys", "uniform,zipf", "--lookups", "100", "--warmup", "10",
        "--baseline-lookups", "2", "--no-redis", "--out", dir.resolve("bench-out").toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("== rag/uniform", "== rag/zipf", "Needle vs parquet-java (footer cached):",
        "Needle vs parquet-java (opened per lookup):", "Needle vs DuckDB:");
    assertThat(Files.readString(dir.resolve("bench-out/results.json"))).contains("\"rag/zipf\"");
    // Only the RAG table was needed, in the _rag directory the feature table's listing skips.
    assertThat(tables.resolve("_rag/part-00001.parquet")).isNotEmptyFile();
    assertThat(tables.resolve("part-00000.parquet")).doesNotExist();
  }

  @Test
  void benchMeasuresAUserTableByItsKeyColumn() throws Exception {
    CliRun r = CliRun.of(Main::run, "bench", "--table", dir.resolve("users").toUri().toString(), "--key-column", "user_id",
        "--columns", "country,score", "--workloads", "feature,absent", "--keys", "uniform", "--lookups", "100",
        "--warmup", "10", "--baseline-lookups", "2", "--no-redis", "--no-duckdb",
        "--out", dir.resolve("user-out").toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("sampled 3,000 distinct keys", "every call reads [user_id, country, score]",
        "== feature/uniform", "== absent/uniform", "Needle vs parquet-java (footer cached):");
  }

  @Test
  void benchAndGenRejectBadOptionsWithOneLine() {
    CliRun missingColumn = CliRun.of(Main::run, "bench", "--table", dir.resolve("users").toString(), "--key-column", "nope",
        "--out", dir.resolve("never").toString());
    assertThat(missingColumn.exit()).isNotZero();
    assertThat(missingColumn.err().strip().lines().count()).isEqualTo(1);
    assertThat(missingColumn.err()).contains("no column 'nope'", "user_id");

    CliRun floatKey = CliRun.of(Main::run, "bench", "--table", dir.resolve("users").toString(), "--key-column", "score");
    assertThat(floatKey.err()).contains("key column 'score'", "int32, int64 or string");
    assertThat(CliRun.of(Main::run, "bench", "--key-column", "user_id").err()).contains("go with --table");
    assertThat(CliRun.of(Main::run, "bench", "--table", dir.resolve("users").toString()).err())
        .contains("--table needs --key-column");
    assertThat(CliRun.of(Main::run, "bench", "--table", dir.resolve("users").toString(), "--key-column", "user_id",
        "--workloads", "rag").err()).contains("rag workload runs on the generated RAG table");
    assertThat(CliRun.of(Main::run, "bench", "--table", "s3://bucket/users", "--key-column", "user_id").err())
        .contains("local Parquet file or directory");
    CliRun badShape = CliRun.of(Main::run, "gen", "--shape", "graph", "--rows", "10", "--out", dir.resolve("x").toString());
    assertThat(badShape.exit()).isNotZero();
    assertThat(badShape.err()).contains("--shape must be feature or rag");
    assertThat(dir.resolve("never")).doesNotExist();
  }
}
