package io.needle.cli;

import io.needle.client.NeedleClient;
import io.needle.client.Row;
import io.needle.client.Table;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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

@Command(name = "lookup", mixinStandardHelpOptions = true, description = "Look keys up in a table and print the matching rows.")
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

    @Option(names = "--http", description = "A worker's HTTP port, http://HOST:PORT or https://HOST:PORT (serve "
        + "--http-port): the lookup goes as POST /v1/lookup; --tls-ca, --tls-cert/--tls-key and --token-file "
        + "(sent as Authorization: Bearer) apply.")
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

  @Mixin
  ClientSecurityOptions security;

  @Override
  public Integer call() throws IOException {
    List<String> texts = keys.values != null ? keys.values : readKeys(keys.file);
    if (workers.http != null) {
      return httpLookup(texts);
    }
    NeedleClient.Builder builder = security.applyTo(NeedleClient.builder().requestTimeout(timeout));
    if (workers.dns != null) {
      builder.workersDns(workers.dns);
    } else {
      for (String worker : workers.list) {
        reachable(worker);
      }
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

  /**
   * Connects to {@code worker} once, so that a wrong address fails with its cause (the client
   * itself only reports that no worker is known).
   */
  private void reachable(String worker) {
    int colon = worker.lastIndexOf(':');
    int port;
    try {
      port = colon <= 0 ? -1 : Integer.parseInt(worker.substring(colon + 1));
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("--worker " + worker + ": not HOST:PORT (e.g. 127.0.0.1:7070)");
    }
    int millis = (int) Math.max(1, Math.min(timeout.toMillis(), 5_000));
    try (java.net.Socket socket = new java.net.Socket()) {
      socket.connect(new java.net.InetSocketAddress(worker.substring(0, colon), port), millis);
    } catch (java.net.UnknownHostException e) {
      throw new IllegalArgumentException("--worker " + worker + ": unknown host " + worker.substring(0, colon), e);
    } catch (java.net.ConnectException e) {
      throw new IllegalArgumentException("--worker " + worker + ": connection refused; is `needle serve` running "
          + "there, on that port?", e);
    } catch (java.net.SocketTimeoutException e) {
      throw new IllegalArgumentException("--worker " + worker + ": no answer within " + millis + " ms", e);
    } catch (IOException e) {
      throw new IllegalArgumentException("--worker " + worker + ": cannot connect (" + e.getMessage() + ")", e);
    }
  }

  private int httpLookup(List<String> texts) throws IOException {
    if (!security.tlsVerifyHostname) {
      throw new IllegalArgumentException("--no-tls-verify-hostname does not go with --http: the HTTP client always "
          + "checks the worker's name; dial a name or IP its certificate has");
    }
    List<String> rows;
    try {
      rows = HttpLookup.rows(workers.http, TableUris.normalize(table), keyColumn, texts, columns, timeout,
          security.tls(), security.token());
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
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new IllegalArgumentException("--keys-file " + file + ": " + (!Files.exists(file) ? "no such file"
          : Files.isDirectory(file) ? "a directory, not a file" : "not readable")
          + " (give a file with one key per line)");
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (java.nio.charset.MalformedInputException e) {
      throw new IllegalArgumentException("--keys-file " + file + ": not UTF-8 text (give one key per line)", e);
    }
    List<String> out = new ArrayList<>();
    for (String line : lines) {
      if (!line.isEmpty()) {
        out.add(line);
      }
    }
    return out;
  }

  /** Control characters as escapes (backslash-n, backslash-t, backslash-u001b...): a value never splits a row or drives the terminal. */
  static String escapeControls(String s) {
    StringBuilder out = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean control = Character.isISOControl(c) || c == '\u2028' || c == '\u2029';
      if (control && out == null) {
        out = new StringBuilder(s.length() + 8).append(s, 0, i);
      }
      if (out != null) {
        if (!control) {
          out.append(c);
        } else {
          out.append(switch (c) {
            case '\n' -> "\\n";
            case '\t' -> "\\t";
            case '\r' -> "\\r";
            default -> String.format("\\u%04x", (int) c);
          });
        }
      }
    }
    return out == null ? s : out.toString();
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
      cells[0][c] = escapeControls(first.name(c));
    }
    for (int r = 0; r < rows.size(); r++) {
      for (int c = 0; c < n; c++) {
        Object v = rows.get(r).get(c);
        String s = v instanceof byte[] b ? java.util.Base64.getEncoder().encodeToString(b)
            : v instanceof Object[] a ? Arrays.toString(a) : String.valueOf(v);
        String shown = escapeControls(s);
        cells[r + 1][c] = shown.length() > 60 ? shown.substring(0, 57) + "..." : shown;
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
