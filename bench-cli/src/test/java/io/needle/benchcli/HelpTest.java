package io.needle.benchcli;

import io.needle.testsupport.CliRun;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Every subcommand of the full launcher answers --help with its usage and exit code 0. */
class HelpTest {
  @ParameterizedTest
  @ValueSource(strings = {"serve", "lookup", "refresh", "gen", "bench", "demo"})
  void everySubcommandHasHelpThatExitsZero(String command) {
    CliRun r = CliRun.of(Main::run, command, "--help");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).startsWith("Usage: needle " + command);
    assertThat(r.err()).doesNotContain("Missing required option").doesNotContain("Unknown option");
  }
}
