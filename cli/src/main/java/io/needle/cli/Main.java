package io.needle.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.List;

/**
 * The {@code needle} command of the server artifact: serve, lookup, refresh. The benchmark
 * launcher (module bench-cli) adds gen, bench and demo through {@link #run(List, String...)},
 * so that this artifact carries none of the benchmark's libraries.
 */
@Command(name = "needle", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "Low-latency point lookups on Parquet tables.",
    subcommands = {ServeCommand.class, LookupCommand.class, RefreshCommand.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:success", "1:the command failed (the message names the cause)",
        "2:invalid command line (unknown option, missing or malformed value)"})
public final class Main {
  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns its exit code (for tests). */
  public static int run(String... args) {
    return run(List.of(), args);
  }

  /** Runs the command line with {@code extraSubcommands} (picocli command objects) added. */
  public static int run(List<Object> extraSubcommands, String... args) {
    CommandLine cli = new CommandLine(new Main());
    for (Object sub : extraSubcommands) {
      cli.addSubcommand(sub);
    }
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

  /** The version from the jar's manifest (Maven fills it), or "dev" when run from classes. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"needle " + version()};
    }
  }

  static String version() {
    String v = Main.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }
}
