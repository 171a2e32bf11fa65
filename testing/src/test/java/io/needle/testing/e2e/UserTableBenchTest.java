package io.needle.testing.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.needle.bench.BenchOptions;
import io.needle.bench.BenchRunner;
import io.needle.bench.UserTableSpec;
import io.needle.bench.baseline.RedisServer;
import io.needle.bench.harness.KeyDistribution;
import io.needle.bench.harness.LoadPlan;
import io.needle.bench.harness.Report;
import io.needle.bench.harness.SystemResult;
import io.needle.bench.harness.Workload;
import io.needle.testing.MatrixTables;
import io.needle.testing.TableSpec;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code needle bench --table} on tables the bench did not write: the matrix tables with int32,
 * int64 and string keys, where some keys have two rows (some in two files), layouts vary (bloom
 * filter or not, dictionary, v1/v2 pages, five codecs) and the columns cover every value type.
 * The load driver checks every answer of every system against the row counts the bench read from
 * the key column, so a run that completes is a run where Needle, parquet-java, DuckDB (and Redis,
 * when redis-server is installed) all found exactly every row of every key asked.
 */
class UserTableBenchTest {
  @TempDir
  static Path dir;

  static List<TableSpec> tables;

  @BeforeAll
  static void writeTables() throws Exception {
    tables = MatrixTables.write(dir.resolve("matrix"));
  }

  @AfterAll
  static void noLeaks() throws Exception {
    LeakRecorder.assertNoLeaks();
  }

  private static TableSpec table(String name) {
    return tables.stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
  }

  private static Report bench(TableSpec table, List<String> columns, Path out) throws Exception {
    BenchOptions options = new BenchOptions(1_000, 1, null, null,
        List.of(Workload.FEATURE, Workload.BATCH, Workload.ABSENT), List.of(KeyDistribution.UNIFORM),
        new LoadPlan(1, 150, Duration.ofSeconds(30), 0), 20, 3, Duration.ofSeconds(20), 1,
        true, true, true, out, 7, new UserTableSpec(table.dir(), table.keyColumn(), columns));
    return BenchRunner.run(options, "test", new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
  }

  @Test
  void everySystemFindsEveryRowOfTheSampledKeysOfInt32Int64AndStringKeyedTables() throws Exception {
    boolean redis = RedisServer.findOnPath().isPresent();
    List<String> expectedSingle = new ArrayList<>(List.of("Needle", "Needle embedded"));
    if (redis) {
      expectedSingle.add("Redis (Jedis)");
    }
    expectedSingle.addAll(List.of("parquet-java (footer cached)", "parquet-java (opened per lookup)", "DuckDB"));
    Object[][] cases = {
        {"key_int32", List.of()},
        {"key_int64", List.of("v_int64", "v_string", "v_list_int", "v_map", "v_struct")},
        {"key_string", List.of("v_string", "v_dec_bin", "v_embedding", "k")},
    };
    for (Object[] c : cases) {
      TableSpec table = table((String) c[0]);
      @SuppressWarnings("unchecked")
      Report report = bench(table, (List<String>) c[1], dir.resolve("out-" + c[0]));
      assertThat(report.byScenario().keySet()).as(table.name())
          .containsExactly("feature/uniform", "batch/uniform", "absent/uniform");
      assertThat(report.byScenario().get("feature/uniform")).extracting(SystemResult::system).as(table.name())
          .containsExactlyElementsOf(expectedSingle);
      assertThat(report.byScenario().get("absent/uniform")).extracting(SystemResult::system).as(table.name())
          .containsExactlyElementsOf(expectedSingle);
      SystemResult needle = report.byScenario().get("feature/uniform").get(0);
      assertThat(needle.stats().lookups()).isEqualTo(150);
      assertThat(needle.wireBytesPerCall()).isPositive();
    }
  }
}
