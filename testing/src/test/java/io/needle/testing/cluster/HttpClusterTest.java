package io.needle.testing.cluster;

import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.client.NeedleClient;
import io.needle.client.Row;
import io.needle.worker.Worker;
import io.needle.worker.http.FeatureViews;
import io.needle.worker.http.HttpConfig;
import io.needle.worker.http.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * In a cluster, an HTTP call to any worker answers what the Java client answers: each worker's
 * HTTP port goes through a client of the whole cluster, so files go to their rendezvous owners
 * (each file version is still served by one worker only).
 */
class HttpClusterTest {
  private static final long ROWS = 12_000;
  private static final int FILES = 12;

  @TempDir
  static Path dir;

  @Test
  void everyWorkersHttpPortAnswersLikeTheJavaClient() throws Exception {
    FeatureTable generator = new FeatureTable(GenOptions.defaults(ROWS, FILES));
    Path table = dir.resolve("features");
    generator.write(table);
    SplittableRandom random = new SplittableRandom(17);
    List<Object> keys = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      keys.add(generator.keyAt(random.nextLong(ROWS)));
    }
    keys.add(-1L); // absent
    List<String> columns = List.of(FeatureTable.KEY_COLUMN, "country", "score");
    String uri = table.toUri().toString();

    try (InProcessCluster cluster = InProcessCluster.start(3, dir);
         NeedleClient java = cluster.clientBuilder().build()) {
      Members.awaitCount(java, 3);
      Map<Object, List<Row>> rows = java.table(uri, FeatureTable.KEY_COLUMN).lookupAll(keys, columns);
      StringBuilder want = new StringBuilder("{\"results\":[");
      StringBuilder body = new StringBuilder("{\"table\":\"" + uri + "\",\"key_column\":\"" + FeatureTable.KEY_COLUMN
          + "\",\"columns\":[\"" + String.join("\",\"", columns) + "\"],\"keys\":[");
      for (int i = 0; i < keys.size(); i++) {
        body.append(i == 0 ? "" : ",").append(keys.get(i));
        want.append(i == 0 ? "" : ",").append("{\"key\":").append(keys.get(i)).append(",\"rows\":[");
        List<Row> found = rows.get(keys.get(i));
        for (int r = 0; r < found.size(); r++) {
          want.append(r == 0 ? "" : ",").append(found.get(r).toJson());
        }
        want.append("]}");
      }
      want.append("]}");
      body.append("]}");
      for (Object key : keys) { // the generator's keys are there, the made-up one is not
        assertThat(rows.get(key)).as("key %s", key).hasSize(key.equals(-1L) ? 0 : 1);
      }

      List<HttpServer> servers = new ArrayList<>();
      try {
        for (Worker w : cluster.workers) {
          servers.add(HttpServer.start(w, HttpConfig.defaults("127.0.0.1", 0), FeatureViews.none(),
              cluster.clientBuilder().build()));
        }
        HttpClient http = HttpClient.newHttpClient();
        for (HttpServer server : servers) {
          HttpResponse<String> answer = http.send(HttpRequest.newBuilder(
                  URI.create("http://127.0.0.1:" + server.address().getPort() + "/v1/lookup"))
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
          assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
          assertThat(answer.body()).isEqualTo(want.toString());
        }
      } finally {
        servers.forEach(HttpServer::close);
      }
      assertThat(cluster.servedByMoreThanOne()).as("file versions served by two workers").isEmpty();
      for (Worker w : cluster.workers) {
        assertThat(w.servedFileVersions()).as("files served by %s", w.name()).isNotEmpty();
      }
    }
  }
}
