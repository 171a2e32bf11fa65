package io.needle.cli;

import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.bench.harness.TlsCost;
import io.needle.client.ClientTls;
import io.needle.worker.TlsConfig;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * {@code serve --health-tls}: the probes and metrics over TLS with the worker's certificate and
 * no client certificate asked (as a kubelet's HTTPS probe connects), plaintext refused.
 */
class HealthTlsTest {
  @TempDir
  Path dir;

  @Test
  void probesAndMetricsAnswerOverTlsAndPlaintextIsRefused() throws Exception {
    new FeatureTable(GenOptions.defaults(500, 1)).write(dir.resolve("data/t"));
    Path[] pem = TlsCost.selfSigned(dir);
    try (Worker worker = Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(dir.resolve("data"))));
         HealthEndpoint health = HealthEndpoint.start("127.0.0.1", 0, worker, TlsConfig.server(pem[0], pem[1]));
         HttpClient https = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
             .sslContext(ClientTls.fromPem(pem[0], null, null, true).sslContext()).build();
         HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()) {
      assertThat(health.tls()).isTrue();
      String base = "https://127.0.0.1:" + health.port();
      HttpResponse<String> ready = https.send(HttpRequest.newBuilder(URI.create(base + "/readyz"))
          .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(ready.statusCode()).isEqualTo(200);
      assertThat(ready.body()).startsWith("ready " + worker.name());
      HttpResponse<String> metrics = https.send(HttpRequest.newBuilder(URI.create(base + "/metrics"))
          .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.body()).contains("# TYPE");
      HttpRequest overPlaintext = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + health.port() + "/livez"))
          .timeout(Duration.ofSeconds(10)).build();
      assertThat(catchThrowableOfType(IOException.class,
          () -> plain.send(overPlaintext, HttpResponse.BodyHandlers.ofString()))).isNotNull();
    }
  }
}
