package io.needle.benchcli;

import java.util.List;

/**
 * The {@code needle} command with the benchmark's subcommands (gen, bench, demo, check, prepare) beside the
 * server's: a separate launcher so that the server artifact (module cli) carries no DuckDB,
 * Jedis, JMH or Hadoop. {@code ./needle} picks the launcher by subcommand.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns its exit code (for tests). */
  public static int run(String... args) {
    return io.needle.cli.Main.run(List.of(new GenCommand(), new BenchCommand(), new DemoCommand(), new CheckCommand(), new PrepareCommand()), args);
  }
}
