package io.needle.testing.tls;

import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.client.ClientTls;
import io.needle.client.NeedleClient;
import io.needle.worker.ServerTls;
import io.needle.worker.TlsConfig;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import io.needle.worker.WorkerSecurity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLSocket;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A certificate rotated on disk (as a Kubernetes Secret update or cert-manager renewal does) is
 * served to new connections without a restart; connections already open keep working; files that
 * do not load (a half-written rotation) keep the old certificate in service.
 */
class CertificateReloadTest {
  private static final Duration CHECK_EVERY = Duration.ofMillis(100);

  @TempDir
  Path dir;

  private static BigInteger servedSerial(ClientTls client, Worker worker) throws Exception {
    try (Wire wire = Wire.tls(client, worker.address())) {
      assertThat(wire.health().hasHealth()).isTrue();
      return ((X509Certificate) ((SSLSocket) wire.socket).getSession().getPeerCertificates()[0]).getSerialNumber();
    }
  }

  /** Polls new connections until the worker serves {@code serial}; false if it never does within a generous bound. */
  private static boolean eventuallyServes(ClientTls client, Worker worker, BigInteger serial) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      if (servedSerial(client, worker).equals(serial)) {
        return true;
      }
      Thread.sleep(CHECK_EVERY.toMillis());
    }
    return false;
  }

  @Test
  void aRotatedCertificateReachesNewConnectionsWithoutARestart() throws Exception {
    Path pki = Files.createDirectories(dir.resolve("pki"));
    TestPki.Issued ca = TestPki.ca(pki, "ca");
    TestPki.Issued first = TestPki.server(pki, "worker", ca);
    Path data = dir.resolve("data");
    FeatureTable gen = new FeatureTable(GenOptions.defaults(1_000, 1));
    gen.write(data.resolve("t"));
    ClientTls client = ClientTls.fromPem(ca.certificateFile(), null, null, true);
    try (ServerTls tls = ServerTls.start(TlsConfig.server(first.certificateFile(), first.keyFile())
            .withReloadInterval(CHECK_EVERY));
         Worker worker = Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(data)), null, null,
             new WorkerSecurity(tls, -1, null));
         NeedleClient needle = NeedleClient.builder().workers(List.of("127.0.0.1:" + worker.address().getPort()))
             .tlsCa(ca.certificateFile()).blockingCalls(false).build();
         Wire open = Wire.tls(client, worker.address())) {
      String table = data.resolve("t").toUri().toString();
      assertThat(needle.table(table, FeatureTable.KEY_COLUMN).lookup(gen.keyAt(3), List.of())).hasSize(1);
      assertThat(servedSerial(client, worker)).isEqualTo(first.serial());

      // A half-done rotation: the certificate file is garbage. The old certificate stays in service.
      Files.writeString(first.certificateFile(), "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");
      Thread.sleep(CHECK_EVERY.toMillis() * 5);
      assertThat(servedSerial(client, worker)).isEqualTo(first.serial());
      assertThat(tls.reloads()).isZero();

      // The rotation completes: a new key and certificate under the same names.
      TestPki.Issued second = TestPki.server(Files.createDirectories(dir.resolve("next")), "worker", ca);
      TestPki.writePem(first.keyFile(), List.of(Files.readString(second.keyFile())));
      TestPki.writePem(first.certificateFile(), List.of(Files.readString(second.certificateFile())));
      assertThat(eventuallyServes(client, worker, second.serial())).as("new certificate served").isTrue();
      assertThat(tls.reloads()).isEqualTo(1);

      // The connection opened before the rotation, and the client's pooled one, still work.
      assertThat(open.health().hasHealth()).isTrue();
      assertThat(needle.table(table, FeatureTable.KEY_COLUMN).lookup(gen.keyAt(5), List.of())).hasSize(1);
    }
  }
}
