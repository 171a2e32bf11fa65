package io.needle.cli;

import io.needle.client.NeedleClient;
import io.needle.client.Row;
import io.needle.client.Table;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "lookup", description = "Look keys up in a table and print the matching rows.")
final class LookupCommand implements Callable<Integer> {
  enum Format { jsonl, table }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Workers workers;

  static final class Workers {
    @Option(names = "--worker", split = ",", description = "Worker HOST:PORT; repeatable or comma-separated.")
    List<String> list;

    @Option(names = "--workers-dns", description = "DNS NAME:PORT whose A records are the workers "
        + "(a Kubernetes headless service), re-resolved periodically.")
    String dns;

    @Option(names = "--http", description = "A worker's HTTP port, http://HOST:PORT (serve --http-port): the "
        + "lookup goes as POST /v1/lookup.")
    String http;
  }

  @Option(names = "--table", required = true, description = "Table URI (file:///dir) or local path.")
  String table;

  @Option(names = "--key-column", required = true, description = "Key column name.")
  String keyColumn;

  @ArgGroup(exclusive = true, multiplicity = "1")
  KeySource keys;

  static final class KeySource {
    @Option(names = "--key", arity = "1..*", description = "Key value(s), parsed by the key column's type.")
    List<String> values;

    @Option(names = "--keys-file", description = "File with one key per line.")
    Path file;
  }

  @Option(names = "--columns", split = ",", description = "Columns to print (default: all).")
  List<String> columns = new ArrayList<>();

  @Option(names = "--format", defaultValue = "jsonl", description = "jsonl or table. Default: ${DEFAULT-VALUE}")
  Format format;

  @Option(names = "--timeout", defaultValue = "30s", description = "Deadline of the lookup. Default: ${DEFAULT-VALUE}")
  Duration timeout;

  @Override
  public Integer call() throws IOException {
    List<String> texts = keys.values != null ? keys.values : readKeys(keys.file);
    if (workers.http != null) {
      return httpLookup(texts);
    }
    NeedleClient.Builder builder = NeedleClient.builder().requestTimeout(timeout);
    if (workers.dns != null) {
      builder.workersDns(workers.dns);
    } else {
      builder.workers(workers.list);
    }
    try (NeedleClient client = builder.build()) {
      Table t = client.table(TableUris.normalize(table), keyColumn);
      List<Object> parsed = new ArrayList<>(texts.size());
      for (String text : texts) {
        parsed.add(t.parseKey(text));
      }
      Map<Object, List<Row>> result = t.lookupAll(parsed, columns);
      // UTF-8 whatever the platform's stdout encoding: JSON is UTF-8, and a C locale would print '?'.
      PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
      List<Row> rows = new ArrayList<>();
      for (Object key : parsed) { // key by key in input order; a repeated key prints again
        rows.addAll(result.get(key));
      }
      if (format == Format.jsonl) {
        for (Row row : rows) {
          out.println(row.toJson());
        }
      } else {
        printTable(out, rows);
      }
      out.flush();
    }
    return 0;
  }

  private int httpLookup(List<String> texts) throws IOException {
    List<String> rows;
    try {
      rows = HttpLookup.rows(workers.http, TableUris.normalize(table), keyColumn, texts, columns, timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    if (format == Format.jsonl) {
      rows.forEach(out::println);
    } else {
      printTable(out, rows.stream().map(HttpLookup::row).toList());
    }
    out.flush();
    return 0;
  }

  private static List<String> readKeys(Path file) throws IOException {
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (!line.isEmpty()) {
        out.add(line);
      }
    }
    return out;
  }

  private static void printTable(PrintStream out, List<Row> rows) {
    if (rows.isEmpty()) {
      return;
    }
    Row first = rows.get(0);
    int n = first.size();
    String[][] cells = new String[rows.size() + 1][n];
    int[] widths = new int[n];
    for (int c = 0; c < n; c++) {
      cells[0][c] = first.name(c);
    }
    for (int r = 0; r < rows.size(); r++) {
      for (int c = 0; c < n; c++) {
        Object v = rows.get(r).get(c);
        String s = v instanceof byte[] b ? java.util.Base64.getEncoder().encodeToString(b)
            : v instanceof Object[] a ? Arrays.toString(a) : String.valueOf(v);
        cells[r + 1][c] = s.length() > 60 ? s.substring(0, 57) + "..." : s;
      }
    }
    for (String[] row : cells) {
      for (int c = 0; c < n; c++) {
        widths[c] = Math.max(widths[c], row[c].length());
      }
    }
    for (String[] row : cells) {
      StringBuilder line = new StringBuilder();
      for (int c = 0; c < n; c++) {
        line.append(c == 0 ? "" : "  ").append(String.format("%-" + widths[c] + "s", row[c]));
      }
      out.println(line.toString().stripTrailing());
    }
  }
}
