package io.needle.cli;

import io.needle.testsupport.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** picocli's conventions (help, version, exit codes) and CLI errors that name their cause and the fix. */
class CliConventionsTest {
  @TempDir
  Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"serve", "lookup", "refresh"})
  void everySubcommandHasHelpThatExitsZero(String command) {
    CliRun r = CliRun.of(Main::run, command, "--help");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).startsWith("Usage: needle " + command);
    assertThat(r.err()).doesNotContain("Missing required option").doesNotContain("Unknown option");
  }

  @Test
  void topLevelHelpListsTheExitCodesAndVersionExitsZero() {
    CliRun help = CliRun.of(Main::run, "--help");
    assertThat(help.exit()).isZero();
    assertThat(help.out()).contains("Exit codes:").contains("0").contains("1").contains("2");
    CliRun version = CliRun.of(Main::run, "--version");
    assertThat(version.exit()).isZero();
    assertThat(version.out()).startsWith("needle ");
  }

  @Test
  void serveHelpMentionsMetricsAndTheNewFlags() {
    String help = CliRun.of(Main::run, "serve", "--help").out();
    assertThat(help).contains("/metrics").contains("--metadata-cache-size").contains("--max-open-files");
  }

  @Test
  void aMissingRootIsNamed() {
    CliRun r = CliRun.of(Main::run, "serve", "--root", "/nonexistent", "--port", "0");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err().strip()).isEqualTo("needle: --root /nonexistent: no such directory (give a directory that "
        + "holds table directories, or an s3://bucket/prefix)");
  }

  @Test
  void aRootThatIsAFileIsNamed() throws Exception {
    Path file = Files.writeString(dir.resolve("file.txt"), "x");
    CliRun r = CliRun.of(Main::run, "serve", "--root", file.toString(), "--port", "0");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("--root " + file + ": not a directory");
  }

  @Test
  void aPortInUseIsNamed() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      CliRun r = CliRun.of(Main::run, "serve", "--root", dir.toString(), "--port", Integer.toString(port));
      assertThat(r.exit()).isEqualTo(1);
      assertThat(r.err().strip()).isEqualTo("needle: --port " + port + ": 127.0.0.1:" + port + " is already in use "
          + "(another process listens there); stop it or choose another --port");
    }
  }

  @Test
  void aHealthPortInUseIsNamed() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      CliRun r = CliRun.of(Main::run, "serve", "--root", dir.toString(), "--port", "0", "--health-port", Integer.toString(port));
      assertThat(r.exit()).isEqualTo(1);
      assertThat(r.err()).contains("needle: --health-port " + port + ": 127.0.0.1:" + port + " is already in use")
          .contains("choose another --health-port");
    }
  }

  @Test
  void aWorkerThatIsNotListeningIsNamed() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort(); // closed again: nothing listens there
    }
    CliRun r = CliRun.of(Main::run, "lookup", "--worker", "127.0.0.1:" + port, "--table", dir.toString(), "--key-column", "k",
        "--key", "1");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err().strip()).isEqualTo("needle: --worker 127.0.0.1:" + port + ": connection refused; is `needle "
        + "serve` running there, on that port?");
  }

  @Test
  void aWorkerWithoutAPortIsNamed() {
    CliRun r = CliRun.of(Main::run, "lookup", "--worker", "127.0.0.1", "--table", dir.toString(), "--key-column", "k", "--key", "1");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err().strip()).isEqualTo("needle: --worker 127.0.0.1: not HOST:PORT (e.g. 127.0.0.1:7070)");
  }

  @Test
  void aBadSizeNamesItsOption() {
    CliRun r = CliRun.of(Main::run, "serve", "--root", dir.toString(), "--port", "0", "--metadata-cache-size", "lots");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err().strip()).isEqualTo("needle: --metadata-cache-size: not a positive size (try 512m, 20g): lots");
  }

  @Test
  void anUnknownOptionIsAUsageErrorWithExitTwo() {
    CliRun r = CliRun.of(Main::run, "serve", "--root", dir.toString(), "--no-such-flag");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("Unknown option: '--no-such-flag'");
  }
}
