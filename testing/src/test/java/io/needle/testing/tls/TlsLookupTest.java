package io.needle.testing.tls;

import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.client.ClientTls;
import io.needle.client.NeedleClient;
import io.needle.client.NeedleException;
import io.needle.client.Row;
import io.needle.client.Table;
import io.needle.testing.ParquetOracle;
import io.needle.testing.e2e.LeakRecorder;
import io.needle.worker.ServerTls;
import io.needle.worker.TlsConfig;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import io.needle.worker.WorkerSecurity;
import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Lookups through TLS against parquet-java's reader, on a TLS-only port and on a second TLS port
 * beside plaintext; a plaintext client on the TLS port, a client that does not trust the
 * worker's CA and a client without the required certificate all get nothing.
 */
class TlsLookupTest {
  @TempDir
  static Path dir;

  static TestPki.Issued ca;
  static TestPki.Issued server;
  static TestPki.Issued client;
  static ServerTls tls;
  static Worker tlsOnly;
  static Worker both;
  static Path smallPages;
  static Path largePages;
  static FeatureTable smallGen;
  static FeatureTable largeGen;
  static List<ParquetOracle> smallOracles;
  static List<ParquetOracle> largeOracles;

  @BeforeAll
  static void start() throws Exception {
    Path pki = Files.createDirectories(dir.resolve("pki"));
    ca = TestPki.ca(pki, "needle-test-ca");
    server = TestPki.server(pki, "worker", ca);
    client = TestPki.client(pki, "ranker", ca, "spiffe://needle.test/ns/ml/sa/ranker");
    Path data = Files.createDirectories(dir.resolve("data"));
    smallGen = new FeatureTable(GenOptions.defaults(6_000, 2).withCodec(CompressionCodecName.ZSTD));
    smallPages = data.resolve("small-pages");
    smallGen.write(smallPages);
    // Pages of ~200 KiB: above the size the plaintext path sends with sendfile, so the TLS path's copy is exercised.
    largeGen = new FeatureTable(GenOptions.defaults(4_000, 1).withCodec(CompressionCodecName.UNCOMPRESSED)
        .withWriterVersion(WriterVersion.PARQUET_2_0).withEmbeddingDim(256).withPages(256 << 10, 100_000));
    largePages = data.resolve("large-pages");
    largeGen.write(largePages);
    smallOracles = oracles(smallPages);
    largeOracles = oracles(largePages);
    tls = ServerTls.start(TlsConfig.server(server.certificateFile(), server.keyFile()));
    tlsOnly = Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(data)), null, null,
        new WorkerSecurity(tls, -1, null));
    both = Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(data)), null, null,
        new WorkerSecurity(tls, 0, null));
  }

  @AfterAll
  static void stop() throws InterruptedException {
    Stream.of(tlsOnly, both).filter(java.util.Objects::nonNull).forEach(Worker::close);
    if (tls != null) {
      tls.close();
    }
    LeakRecorder.assertNoLeaks(); // every page copied for TLS released exactly once
  }

  private static NeedleClient client(InetSocketAddress worker, boolean blockingCalls) {
    return NeedleClient.builder().workers(List.of("127.0.0.1:" + worker.getPort())).tlsCa(ca.certificateFile())
        .blockingCalls(blockingCalls).requestTimeout(Duration.ofSeconds(20)).build();
  }

  private static List<ParquetOracle> oracles(Path table) throws IOException {
    List<ParquetOracle> oracles = new ArrayList<>();
    try (Stream<Path> listed = Files.list(table)) {
      for (Path f : listed.filter(p -> p.toString().endsWith(".parquet")).sorted().toList()) {
        oracles.add(ParquetOracle.open(f));
      }
    }
    return oracles;
  }

  /** Every lookup through {@code client} equals parquet-java's rows for the key, in both tables. */
  private static void assertAnswersEqualTheOracle(NeedleClient client) {
    SplittableRandom random = new SplittableRandom(17);
    for (Path table : List.of(smallPages, largePages)) {
      FeatureTable gen = table == smallPages ? smallGen : largeGen;
      List<ParquetOracle> oracles = table == smallPages ? smallOracles : largeOracles;
      Table t = client.table(table.toUri().toString(), FeatureTable.KEY_COLUMN);
      long rows = gen.options().rows();
      for (int i = 0; i < 15; i++) {
        long key = gen.keyAt(random.nextLong(rows)) + (i % 5 == 4 ? 1 : 0); // some absent keys
        List<String> expected = new ArrayList<>();
        for (ParquetOracle o : oracles) {
          expected.addAll(o.lookupJson(FeatureTable.KEY_COLUMN, key, FeatureTable.SCHEMA.getFields().stream()
              .map(org.apache.parquet.schema.Type::getName).toList()));
        }
        assertThat(t.lookup(key, List.of()).stream().map(Row::toJson).toList()).as("%s key %d", table, key)
            .isEqualTo(expected);
      }
    }
  }

  @Test
  void lookupsThroughTlsEqualTheOracleOnTheBlockingAndTheEventLoopPaths() throws Exception {
    for (boolean blocking : new boolean[] {true, false}) {
      try (NeedleClient c = client(tlsOnly.address(), blocking)) {
        assertAnswersEqualTheOracle(c);
        assertThat(c.stats().blockingCalls() > 0).as("blocking path used").isEqualTo(blocking);
        assertThat(c.stats().blockingFallbacks()).isZero();
      }
    }
  }

  @Test
  void aSecondTlsPortServesBesidePlaintext() throws Exception {
    assertThat(both.tlsAddress().getPort()).isNotEqualTo(both.address().getPort());
    try (NeedleClient c = client(both.tlsAddress(), true)) {
      assertAnswersEqualTheOracle(c);
    }
    try (NeedleClient plain = NeedleClient.builder().workers(List.of("127.0.0.1:" + both.address().getPort())).build()) {
      long key = smallGen.keyAt(10);
      assertThat(plain.table(smallPages.toUri().toString(), FeatureTable.KEY_COLUMN).lookup(key, List.of()))
          .hasSize(1);
    }
  }

  @Test
  void aPlaintextClientOnTheTlsPortIsRefused() throws Exception {
    try (Wire wire = Wire.plain(tlsOnly.address())) {
      // A Needle frame is not a TLS record: the worker answers with a TLS alert at most and closes.
      Throwable failure = catchThrowableOfType(IOException.class, wire::health);
      assertThat(failure).isNotNull();
    }
    try (NeedleClient plain = NeedleClient.builder().workers(List.of("127.0.0.1:" + tlsOnly.address().getPort()))
        .connectTimeout(Duration.ofSeconds(2)).requestTimeout(Duration.ofSeconds(5)).build()) {
      NeedleException e = catchThrowableOfType(NeedleException.class, () ->
          plain.table(smallPages.toUri().toString(), FeatureTable.KEY_COLUMN).lookup(smallGen.keyAt(1), List.of()));
      assertThat(e.code()).isEqualTo(NeedleException.Code.UNAVAILABLE);
    }
  }

  @Test
  void aClientThatDoesNotTrustTheWorkersCaGetsNoAnswer() throws Exception {
    TestPki.Issued otherCa = TestPki.ca(Files.createDirectories(dir.resolve("other")), "other-ca");
    ClientTls untrusting = ClientTls.fromPem(otherCa.certificateFile(), null, null, true);
    Throwable handshake = catchThrowableOfType(IOException.class, () -> Wire.tls(untrusting, tlsOnly.address()));
    assertThat(handshake).isInstanceOf(javax.net.ssl.SSLException.class);
    try (NeedleClient c = NeedleClient.builder().workers(List.of("127.0.0.1:" + tlsOnly.address().getPort()))
        .tlsCa(otherCa.certificateFile()).requestTimeout(Duration.ofSeconds(5)).build()) {
      NeedleException e = catchThrowableOfType(NeedleException.class, () ->
          c.table(smallPages.toUri().toString(), FeatureTable.KEY_COLUMN).lookup(smallGen.keyAt(1), List.of()));
      assertThat(e.code()).isEqualTo(NeedleException.Code.UNAVAILABLE);
    }
  }

  @Test
  void withClientCertificatesRequiredAClientWithoutOneIsRefusedAndOneWithItServed() throws Exception {
    try (ServerTls mtls = ServerTls.start(TlsConfig.server(server.certificateFile(), server.keyFile())
            .withClientCa(ca.certificateFile(), TlsConfig.ClientCertificate.REQUIRED));
         Worker worker = Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(dir.resolve("data"))), null, null,
             new WorkerSecurity(mtls, -1, null))) {
      ClientTls anonymous = ClientTls.fromPem(ca.certificateFile(), null, null, true);
      // TLS 1.3: the client finishes its side first; the worker's refusal arrives with the first read.
      Throwable refused = catchThrowableOfType(IOException.class, () -> {
        try (Wire wire = Wire.tls(anonymous, worker.address())) {
          wire.health();
        }
      });
      assertThat(refused).isNotNull();
      try (NeedleClient c = NeedleClient.builder().workers(List.of("127.0.0.1:" + worker.address().getPort()))
          .tlsCa(ca.certificateFile()).tlsClientCertificate(client.certificateFile(), client.keyFile()).build()) {
        long key = smallGen.keyAt(77);
        List<Row> rows = c.table(smallPages.toUri().toString(), FeatureTable.KEY_COLUMN).lookup(key, List.of("user_id"));
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0).get(0)).isEqualTo(key);
      }
    }
  }
}
