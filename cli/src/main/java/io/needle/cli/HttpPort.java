package io.needle.cli;

import io.needle.client.NeedleClient;
import io.needle.worker.Worker;
import io.needle.worker.http.FeatureViews;
import io.needle.worker.http.HttpConfig;
import io.needle.worker.http.HttpServer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** {@code serve --http-port}: the HTTP server and the client its calls go through. */
final class HttpPort {
  private HttpPort() {}

  static HttpServer start(Worker worker, String bind, int port, boolean tls, Path featureViews, List<String> cluster)
      throws IOException, InterruptedException {
    FeatureViews views = featureViews == null ? FeatureViews.none() : FeatureViews.parse(featureViews);
    NeedleClient client;
    if (cluster == null || cluster.isEmpty()) {
      client = HttpServer.inProcessClient(worker);
    } else if (cluster.size() == 1 && cluster.get(0).startsWith("dns:")) {
      client = NeedleClient.builder().workersDns(cluster.get(0).substring(4)).build();
    } else {
      client = NeedleClient.builder().workers(cluster).build();
    }
    return HttpServer.start(worker, HttpConfig.defaults(bind, port).withTls(tls), views, client);
  }
}
