package io.needle.cli;

import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.bench.s3.LoopbackS3Server;
import io.needle.testsupport.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code needle serve} as an operator runs it: a separate process with the server artifact's
 * classpath and logging setup, good and bad lookups through {@code needle lookup}, then its log
 * lines (one start line, one stop line, no stack trace for a client's mistake, no JDK warning),
 * its {@code /metrics} series, and its health endpoint under a client that never finishes a request.
 */
class ServeProcessTest {
  @TempDir
  Path dir;

  @Test
  void logsMetricsAndProbesOfARealServeProcess() throws Exception {
    FeatureTable users = new FeatureTable(GenOptions.defaults(2_000, 1));
    users.write(dir.resolve("tables").resolve("users"));
    Path cache = Files.createDirectories(dir.resolve("cache"));
    try (ServeProcess serve = ServeProcess.start(List.of("--root", dir.resolve("tables").toString(), "--port", "0", "--health-port", "0",
        "--cache-dir", cache.toString(), "--cache-size", "64m"), List.of())) {
      String table = dir.resolve("tables").resolve("users").toString();
      int good = 5;
      for (int i = 0; i < good; i++) {
        long key = users.keyAt(i * 100);
        CliRun r = CliRun.of(Main::run, "lookup", "--worker", serve.address, "--table", table, "--key-column", "user_id",
            "--key", Long.toString(key), "--columns", "user_id");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().strip()).isEqualTo("{\"user_id\":" + key + "}");
      }
      String present = Long.toString(users.keyAt(3));
      for (int i = 0; i < 10; i++) { // client mistakes, repeated: each must cost no stack trace
        assertThat(CliRun.of(Main::run, "lookup", "--worker", serve.address, "--table", "/etc", "--key-column", "user_id",
            "--key", "1").err()).contains("PERMISSION_DENIED");
        assertThat(CliRun.of(Main::run, "lookup", "--worker", serve.address, "--table", table + "-nope", "--key-column",
            "user_id", "--key", "1").err()).contains("NOT_FOUND");
        assertThat(CliRun.of(Main::run, "lookup", "--worker", serve.address, "--table", table, "--key-column", "user_id",
            "--key", present, "--columns", "nope").err()).contains("NOT_FOUND");
        assertThat(CliRun.of(Main::run, "lookup", "--worker", serve.address, "--table", table, "--key-column", "nope",
            "--key", "1").err()).contains("NOT_FOUND");
      }

      // A client that sends half a request and nothing more holds no one up.
      try (Socket stuck = new Socket("127.0.0.1", serve.healthPort)) {
        OutputStream out = stuck.getOutputStream();
        out.write("GET /livez HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        HttpResponse<String> ready = get(serve, "/readyz");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).startsWith("ready ");
        assertThat(get(serve, "/livez").statusCode()).isEqualTo(200);
        assertThat(get(serve, "/nothing").statusCode()).isEqualTo(404);
      }

      String metrics = get(serve, "/metrics").body();
      String label = "table=\"" + Path.of(table).toUri() + "\"";
      assertThat(value(metrics, "needle_lookups_total", "outcome=\"ok\"", label)).isEqualTo(good);
      assertThat(value(metrics, "needle_lookup_keys_total", "outcome=\"ok\"", label)).isEqualTo(good);
      // The unknown columns reach the lookup RPC; the unknown tables fail at Describe, before any lookup.
      assertThat(value(metrics, "needle_lookups_total", "outcome=\"not_found\"", label)).isEqualTo(20);
      assertThat(value(metrics, "needle_lookup_keys_total", "outcome=\"not_found\"", label)).isEqualTo(20);
      assertThat(value(metrics, "needle_errors_total", "code=\"permission_denied\"")).isEqualTo(10);
      assertThat(value(metrics, "needle_errors_total", "code=\"not_found\"")).isPositive();
      assertThat(value(metrics, "needle_lookup_seconds_count")).isEqualTo(good);
      assertThat(value(metrics, "needle_lookup_plan_seconds_count")).isEqualTo(good);
      assertThat(value(metrics, "needle_lookup_read_seconds_count")).isEqualTo(good);
      assertThat(metrics).contains("needle_lookup_seconds_bucket{le=");
      assertThat(value(metrics, "needle_response_bytes_total")).isPositive();
      assertThat(value(metrics, "needle_metadata_cache_loads_total")).isPositive();
      assertThat(value(metrics, "needle_metadata_cache_hits_total")).isPositive();
      assertThat(value(metrics, "needle_metadata_cache_size_bytes")).isPositive();
      assertThat(metrics).contains("needle_metadata_cache_evictions_total").contains("needle_metadata_cache_misses_total");
      assertThat(value(metrics, "needle_open_files")).isEqualTo(1);
      assertThat(metrics).contains("needle_connections ").contains("needle_s3_request_seconds_count{kind=\"get\",outcome=\"ok\"}");
      assertThat(value(metrics, "needle_pagestore_misses_total")).isPositive();
      assertThat(metrics).contains("needle_pagestore_hits_total").contains("jvm_memory_used_bytes");
      assertDashboardSeriesExist(metrics);

      serve.stop();
      List<String> log = serve.stderr();
      assertThat(log).as("no stack trace, no exception, no JDK warning: " + log)
          .noneMatch(l -> l.startsWith("\tat ") || l.contains("Exception") || l.startsWith("WARNING"));
      assertThat(log).filteredOn(l -> l.contains(" started ")).singleElement().asString()
          .contains("version=").contains("roots=").contains("port=").contains("health_port=\"" + serve.healthPort + "\"")
          .contains("cache_dir=\"" + cache).contains("recovered_pages=").contains("s3_endpoint=\"none\"");
      assertThat(log).as(log.toString()).filteredOn(l -> l.contains(" stopped ")).singleElement().asString()
          .contains("lookups=\"25\"").contains("errors=\"50\"").contains("in_flight_left=\"0\"");
      assertThat(log).as("only the start and stop lines at the default level").hasSize(2);
    }
  }

  @Test
  void aTemporaryPageStoreForS3IsDeletedOnExit() throws Exception {
    FeatureTable users = new FeatureTable(GenOptions.defaults(1_000, 1));
    Path file = users.write(dir.resolve("v1")).get(0);
    try (LoopbackS3Server s3 = new LoopbackS3Server("needle-demo")) {
      s3.put("users/part-00000.parquet", file);
      Path tmp = Files.createDirectories(dir.resolve("tmp"));
      try (ServeProcess serve = ServeProcess.start(List.of("--root", "s3://needle-demo/", "--port", "0", "--s3-endpoint",
          s3.endpoint().toString(), "--s3-path-style", "--cache-size", "64m"), List.of("-Djava.io.tmpdir=" + tmp))) {
        long key = users.keyAt(10);
        CliRun r = CliRun.of(Main::run, "lookup", "--worker", serve.address, "--table", "s3://needle-demo/users",
            "--key-column", "user_id", "--key", Long.toString(key), "--columns", "user_id");
        assertThat(r.exit()).as(r.err()).isZero();
        List<Path> caches;
        try (var listed = Files.list(tmp)) {
          caches = listed.filter(p -> p.getFileName().toString().startsWith("needle-cache-")).toList();
        }
        assertThat(caches).as("the temporary page store").hasSize(1);
        assertThat(serve.stderr()).anyMatch(l -> l.contains("temporary cache directory " + caches.get(0)));
        serve.stop();
        assertThat(caches.get(0)).doesNotExist();
      }
    }
  }

  /** Every series the Grafana dashboard in deploy/ queries is one this worker exports. */
  private static void assertDashboardSeriesExist(String metrics) throws IOException {
    String dashboard = Files.readString(Path.of("..", "deploy", "grafana", "needle-workers.json"));
    Matcher name = Pattern.compile("\\b((?:needle|jvm|process)_[a-z0-9_]+)").matcher(dashboard);
    java.util.Set<String> referenced = new java.util.TreeSet<>();
    while (name.find()) {
      referenced.add(name.group(1));
    }
    assertThat(referenced).as("series the dashboard queries").hasSizeGreaterThan(15);
    java.util.Set<String> exported = new java.util.HashSet<>();
    for (String line : metrics.lines().toList()) {
      if (!line.startsWith("#") && !line.isBlank()) {
        int end = line.indexOf('{') >= 0 ? line.indexOf('{') : line.indexOf(' ');
        exported.add(line.substring(0, end));
      }
    }
    assertThat(exported).as("exported series").containsAll(referenced);
  }

  private static HttpResponse<String> get(ServeProcess serve, String path) throws IOException, InterruptedException {
    try (HttpClient http = HttpClient.newHttpClient()) {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + serve.healthPort + path)).build(),
          HttpResponse.BodyHandlers.ofString());
    }
  }

  /** The value of the one series of {@code name} whose labels include every one of {@code labels}. */
  private static double value(String metrics, String name, String... labels) {
    List<Double> found = new ArrayList<>();
    for (String line : metrics.lines().toList()) {
      if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
        boolean all = true;
        for (String l : labels) {
          all &= line.contains(l);
        }
        if (all) {
          found.add(Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
        }
      }
    }
    assertThat(found).as(name + " " + List.of(labels) + " in\n" + metrics).hasSize(1);
    return found.get(0);
  }
}
