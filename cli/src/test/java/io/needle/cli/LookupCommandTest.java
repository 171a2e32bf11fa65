package io.needle.cli;

import io.needle.bench.gen.FeatureRow;
import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.testsupport.CliRun;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import io.needle.worker.http.FeatureViews;
import io.needle.worker.http.HttpConfig;
import io.needle.worker.http.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The CLI against a real worker: output format, order, absent keys, exit codes. */
class LookupCommandTest {
  @TempDir
  static Path dir;

  static Worker worker;
  static HttpServer http;
  static FeatureTable table;

  @BeforeAll
  static void setUp() throws Exception {
    // The table `needle gen --rows 5000 --files 2` writes (gen lives in the bench launcher now:
    // bench-cli's RagAndUserTableCliTest runs the command itself).
    table = new FeatureTable(GenOptions.defaults(5000, 2));
    table.write(dir.resolve("users"));
    worker = Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(dir)));
    http = HttpServer.start(worker, HttpConfig.defaults("127.0.0.1", 0), FeatureViews.none(),
        HttpServer.inProcessClient(worker));
  }

  @AfterAll
  static void tearDown() {
    http.close();
    worker.close();
  }

  private String worker() {
    return "127.0.0.1:" + worker.address().getPort();
  }

  @Test
  void genWroteTheRequestedFiles() throws Exception {
    try (var files = Files.list(dir.resolve("users"))) {
      assertThat(files.filter(p -> p.toString().endsWith(".parquet")).count()).isEqualTo(2);
    }
  }

  @Test
  void printsOneJsonObjectPerRowKeyByKeyInInputOrderWithExactlyTheColumns() {
    long a = table.keyAt(4000);
    long b = table.keyAt(10);
    long absent = a + 1;
    CliRun r = CliRun.of(Main::run, "lookup", "--worker", worker(), "--table", dir.resolve("users").toString(), "--key-column", "user_id",
        "--key", Long.toString(a), Long.toString(absent), Long.toString(b), "--columns", "country,user_id");
    assertThat(r.exit()).as(r.err()).isZero();
    FeatureRow ra = table.expected(a);
    FeatureRow rb = table.expected(b);
    assertThat(r.out().lines().toList()).containsExactly(
        "{\"country\":\"" + ra.country() + "\",\"user_id\":" + a + "}",
        "{\"country\":\"" + rb.country() + "\",\"user_id\":" + b + "}");
  }

  @Test
  void readsKeysFromAFileAndPrintsAllColumnsByDefault() throws Exception {
    Path keys = dir.resolve("keys.txt");
    Files.writeString(keys, table.keyAt(1) + "\n" + table.keyAt(2) + "\n");
    CliRun r = CliRun.of(Main::run, "lookup", "--worker", worker(), "--table", dir.resolve("users").toUri().toString(), "--key-column",
        "user_id", "--keys-file", keys.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    List<String> lines = r.out().lines().toList();
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0)).startsWith("{\"user_id\":" + table.keyAt(1) + ",\"country\":");
    assertThat(lines.get(0)).contains("\"embedding\":[");
  }

  @Test
  void failsWithOneClearLineOnStderr() {
    CliRun unknownColumn = CliRun.of(Main::run, "lookup", "--worker", worker(), "--table", dir.resolve("users").toString(), "--key-column",
        "user_id", "--key", "7", "--columns", "nope");
    assertThat(unknownColumn.exit()).isNotZero();
    assertThat(unknownColumn.out()).isEmpty();
    assertThat(unknownColumn.err().strip().lines().count()).isEqualTo(1);
    assertThat(unknownColumn.err()).contains("NOT_FOUND").contains("nope");

    CliRun badKey = CliRun.of(Main::run, "lookup", "--worker", worker(), "--table", dir.resolve("users").toString(), "--key-column",
        "user_id", "--key", "seven");
    assertThat(badKey.exit()).isNotZero();
    assertThat(badKey.err()).contains("INVALID_ARGUMENT");

    CliRun outside = CliRun.of(Main::run, "lookup", "--worker", worker(), "--table", "/etc", "--key-column", "user_id", "--key", "7");
    assertThat(outside.exit()).isNotZero();
    assertThat(outside.err()).contains("PERMISSION_DENIED");
  }

  @Test
  void tableFormatEscapesControlCharactersSoAValueNeverSplitsARow() {
    assertThat(LookupCommand.escapeControls("plain text, ünïcode")).isEqualTo("plain text, ünïcode");
    assertThat(LookupCommand.escapeControls("a\nb\tc\rd\u001b[31me\u0000")).isEqualTo("a\\nb\\tc\\rd\\u001b[31me\\u0000");
    long a = table.keyAt(1);
    long b = table.keyAt(2);
    CliRun r = CliRun.of(Main::run, "lookup", "--worker", worker(), "--table", dir.resolve("users").toString(), "--key-column",
        "user_id", "--key", Long.toString(a), Long.toString(b), "--format", "table", "--columns", "user_id,country");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out().lines().toList()).as(r.out()).hasSize(3).first().asString().startsWith("user_id");
    assertThat(r.out().lines().skip(1).toList()).allSatisfy(line -> assertThat(line).doesNotContain("\t"));
  }

  @Test
  void aMissingKeysFileIsNamedWithWhatToDo() {
    CliRun r = CliRun.of(Main::run, "lookup", "--worker", worker(), "--table", dir.resolve("users").toString(), "--key-column",
        "user_id", "--keys-file", "missing.txt");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err().strip()).isEqualTo("needle: --keys-file missing.txt: no such file (give a file with one key per line)");
  }

  @Test
  void overTheHttpPortPrintsWhatTheBinaryPortPrints() {
    long a = table.keyAt(4000);
    long b = table.keyAt(10);
    String users = dir.resolve("users").toString();
    String keys = a + "," + (a + 1) + "," + b + "," + a;
    for (String format : List.of("jsonl", "table")) {
      CliRun binary = CliRun.of(Main::run, "lookup", "--worker", worker(), "--table", users, "--key-column", "user_id",
          "--key", Long.toString(a), Long.toString(a + 1), Long.toString(b), Long.toString(a),
          "--columns", "country,user_id,score", "--format", format);
      CliRun overHttp = CliRun.of(Main::run, "lookup", "--http", "http://127.0.0.1:" + http.address().getPort(), "--table", users,
          "--key-column", "user_id", "--key", Long.toString(a), Long.toString(a + 1), Long.toString(b), Long.toString(a),
          "--columns", "country,user_id,score", "--format", format);
      assertThat(binary.exit()).as(binary.err()).isZero();
      assertThat(overHttp.exit()).as(overHttp.err()).isZero();
      assertThat(overHttp.out()).as("%s for keys %s", format, keys).isEqualTo(binary.out());
    }
    CliRun jsonl = CliRun.of(Main::run, "lookup", "--http", "http://127.0.0.1:" + http.address().getPort(), "--table", users,
        "--key-column", "user_id", "--key", Long.toString(b), "--columns", "country,user_id");
    assertThat(jsonl.out().strip()).isEqualTo("{\"country\":\"" + table.expected(b).country() + "\",\"user_id\":" + b + "}");

    CliRun badKey = CliRun.of(Main::run, "lookup", "--http", "http://127.0.0.1:" + http.address().getPort(), "--table", users,
        "--key-column", "user_id", "--key", "seven");
    assertThat(badKey.exit()).isNotZero();
    assertThat(badKey.err().strip().lines().count()).isEqualTo(1);
    assertThat(badKey.err()).contains("INVALID_ARGUMENT").contains("seven");
  }
}
