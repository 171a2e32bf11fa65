package io.needle.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code needle} command. */
@Command(name = "needle", mixinStandardHelpOptions = true, version = "needle 0.1.0",
    description = "Low-latency point lookups on Parquet tables.",
    subcommands = {ServeCommand.class, LookupCommand.class, GenCommand.class, DemoCommand.class, BenchCommand.class,
        RefreshCommand.class,
        CheckCommand.class,
        PrepareCommand.class})
public final class Main {
  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns its exit code (for tests). */
  public static int run(String... args) {
    CommandLine cli = new CommandLine(new Main());
    cli.registerConverter(java.time.Duration.class, Durations::parse);
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      commandLine.getErr().println("needle: " + oneLine(e));
      return 1;
    });
    return cli.execute(args);
  }

  static String oneLine(Throwable e) {
    String message = e.getMessage() == null ? e.toString() : e.getMessage();
    return message.replace('\n', ' ');
  }
}
