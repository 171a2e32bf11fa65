package io.needle.benchcli;

import io.needle.cli.Sizes;
import io.needle.cli.TableUris;

import io.needle.bench.check.CheckReport;
import io.needle.bench.check.TableCheck;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "check", description = "Report what makes lookups on a local table cheap or expensive: key "
    + "sortedness and file ranges, row groups, pages, page index, bloom filter, codec, dictionary fallback; the "
    + "pages and bytes a lookup costs (planned by Needle's planner for sampled keys); and what to change.")
final class CheckCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "TABLE", description = "A Parquet file or a directory of them (path or file:// URI).")
  String table;

  @Option(names = "--key-column", required = true, description = "The column lookups are by.")
  String keyColumn;

  @Option(names = "--columns", split = ",",
      description = "The columns lookups read (default: all top-level columns).")
  List<String> columns;

  @Option(names = "--sample-keys", defaultValue = "" + TableCheck.DEFAULT_SAMPLE_KEYS,
      description = "Keys planned for the per-lookup estimate. Default: ${DEFAULT-VALUE}")
  int sampleKeys;

  @Option(names = "--json", description = "Print the report as JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    CheckReport report = TableCheck.run(TableUris.localRoot(table), keyColumn, columns == null ? List.of() : columns,
        sampleKeys, 42L);
    System.out.println(json ? report.toJson() : report.toText());
    return 0;
  }
}
