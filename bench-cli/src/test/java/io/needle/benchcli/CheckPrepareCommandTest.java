package io.needle.benchcli;

import static org.assertj.core.api.Assertions.assertThat;

import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.testsupport.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code needle check} and {@code needle prepare} from the command line: output, exit codes, errors. */
class CheckPrepareCommandTest {
  @TempDir
  Path dir;

  @Test
  void prepareWritesAVerifiedTableThatCheckFindsLookupFriendly() throws Exception {
    Path src = dir.resolve("src");
    new FeatureTable(GenOptions.defaults(5_000, 2)).write(src);
    Path dst = dir.resolve("dst");

    CliRun prepare = CliRun.of(Main::run, "prepare", src.toString(), dst.toString(), "--key-column", "user_id",
        "--file-size", "256k", "--memory", "512k", "--codec", "LZ4_RAW");
    assertThat(prepare.exit()).as(prepare.err()).isZero();
    assertThat(prepare.err()).contains("prepared 5,000 rows", "verified: same rows as the source");
    try (Stream<Path> files = Files.list(dst)) {
      assertThat(files.map(p -> p.getFileName().toString()).sorted().toList()).contains("part-00000.parquet",
          "part-00001.parquet").allMatch(n -> n.startsWith("part-"));
    }

    CliRun check = CliRun.of(Main::run, "check", dst.toString(), "--key-column", "user_id", "--json");
    assertThat(check.exit()).as(check.err()).isZero();
    assertThat(check.out()).startsWith("{\"table\":").contains("\"keySorted\":true", "\"codecs\":[\"LZ4_RAW\"]")
        .doesNotContain("\"keySorted\":false", "\"code\":\"sort\"");

    CliRun text = CliRun.of(Main::run, "check", dst.toString(), "--key-column", "user_id");
    assertThat(text.out()).contains("key: sorted", "advice:");
  }

  @Test
  void badInputGetsOneLineAndExitCodeOne() throws Exception {
    Path src = dir.resolve("src");
    new FeatureTable(GenOptions.defaults(100, 1)).write(src);

    CliRun noColumn = CliRun.of(Main::run, "check", src.toString(), "--key-column", "nope");
    assertThat(noColumn.exit()).isEqualTo(1);
    assertThat(noColumn.err()).startsWith("needle: --key-column:").contains("no top-level column 'nope'");

    CliRun intoItself = CliRun.of(Main::run, "prepare", src.toString(), src.resolve("out").toString(), "--key-column", "user_id");
    assertThat(intoItself.exit()).isEqualTo(1);
    assertThat(intoItself.err()).contains("must not contain each other");
  }
}
