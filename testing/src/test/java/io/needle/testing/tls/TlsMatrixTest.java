package io.needle.testing.tls;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.client.ClientTls;
import io.needle.client.NeedleClient;
import io.needle.client.Row;
import io.needle.protocol.proto.ErrorCode;
import io.needle.protocol.proto.Response;
import io.needle.testing.e2e.LeakRecorder;
import io.needle.worker.AuthConfig;
import io.needle.worker.ServerTls;
import io.needle.worker.TlsConfig;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import io.needle.worker.WorkerMetrics;
import io.needle.worker.WorkerSecurity;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.concurrent.Future;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLSocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * T23, with BoringSSL (netty-tcnative) and with the JDK's provider serving: client certificates
 * that must not pass (none, another CA's, expired, not yet valid, for servers only) are refused
 * in the handshake, before any answer; a valid certificate the policy does not name is denied;
 * plaintext, TLS 1.0 and 1.1 and weak TLS 1.2 ciphers are refused while a strong suite on the
 * same client passes; tokens missing, wrong and revoked (removed from the policy, worker
 * restarted) are UNAUTHENTICATED; a certificate rotated twice under load loses no lookup, new
 * connections get the new certificate and an old connection survives. Last, every log line
 * (io.needle and Netty's TLS at DEBUG), the worker's metrics and every error message seen are
 * searched for the tokens and the private keys: no match. Token-related cases that AuthPolicyTest
 * already runs against the default provider are not repeated for it alone.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TlsMatrixTest {
  private static final String ALPHA = "alpha-matrix-2b7e151628aed2a6abf7158809cf4f3c";
  private static final String BETA = "beta-matrix-3243f6a8885a308d313198a2e0370734";
  private static final String WRONG = "wrong-matrix-9e3779b97f4a7c15f39cc0605cedc834";
  private static final String RANKER = "spiffe://needle.test/ns/ml/sa/ranker";

  @TempDir
  static Path dir;

  static Path root;
  static String table;
  static FeatureTable gen;
  static TestPki.Issued ca;
  static TestPki.Issued server;
  static Path pki;
  static EventLoopGroup clientLoops;
  static final List<String> logLines = new CopyOnWriteArrayList<>();
  static final List<String> errorMessages = new CopyOnWriteArrayList<>();
  static final List<Path> keyFiles = new CopyOnWriteArrayList<>();
  static final Map<String, String> metricsScrapes = new ConcurrentHashMap<>();
  static AppenderBase<ILoggingEvent> capture;
  static Level needleLevel;
  static Level sslLevel;

  @BeforeAll
  static void start() throws Exception {
    capture = new AppenderBase<>() {
      @Override
      protected void append(ILoggingEvent e) {
        logLines.add(e.getFormattedMessage() + (e.getThrowableProxy() == null ? ""
            : "\n" + ThrowableProxyUtil.asString(e.getThrowableProxy())));
      }
    };
    Logger needle = (Logger) LoggerFactory.getLogger("io.needle");
    Logger ssl = (Logger) LoggerFactory.getLogger("io.netty.handler.ssl");
    capture.setContext(needle.getLoggerContext());
    capture.start();
    needleLevel = needle.getLevel();
    sslLevel = ssl.getLevel();
    for (Logger l : List.of(needle, ssl)) { // everything at DEBUG into the capture only, not the console
      l.addAppender(capture);
      l.setAdditive(false);
      l.setLevel(Level.DEBUG);
    }

    pki = Files.createDirectories(dir.resolve("pki"));
    ca = TestPki.ca(pki, "matrix-ca");
    server = TestPki.server(pki, "worker", ca);
    keyFiles.add(ca.keyFile());
    keyFiles.add(server.keyFile());
    root = Files.createDirectories(dir.resolve("root")).toRealPath();
    gen = new FeatureTable(GenOptions.defaults(2_000, 1));
    gen.write(root.resolve("features"));
    table = root.resolve("features").toUri().toString();
    clientLoops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  }

  @AfterAll
  static void stop() throws InterruptedException {
    Logger needle = (Logger) LoggerFactory.getLogger("io.needle");
    Logger ssl = (Logger) LoggerFactory.getLogger("io.netty.handler.ssl");
    for (Logger l : List.of(needle, ssl)) {
      l.detachAppender(capture);
      l.setAdditive(true);
    }
    needle.setLevel(needleLevel);
    ssl.setLevel(sslLevel);
    if (clientLoops != null) {
      clientLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
    LeakRecorder.assertNoLeaks();
  }

  private static String sha256(String token) throws Exception {
    return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
        .digest(token.getBytes(StandardCharsets.UTF_8)));
  }

  /** A policy granting the table to the ranker's certificate and to each named token. */
  private static AuthConfig policy(String name, String... tokens) throws Exception {
    StringBuilder yaml = new StringBuilder("tokens:\n");
    String[] names = {"alpha", "beta"};
    for (String token : tokens) {
      yaml.append("  - name: ").append(token.equals(ALPHA) ? names[0] : names[1]).append("\n    sha256: \"")
          .append(sha256(token)).append("\"\n");
    }
    yaml.append("grants:\n  - principal: \"").append(RANKER).append("\"\n    tables: [\"").append(root.toUri())
        .append("\"]\n");
    for (String token : tokens) {
      yaml.append("  - principal: \"token:").append(token.equals(ALPHA) ? names[0] : names[1])
          .append("\"\n    tables: [\"").append(root.toUri()).append("\"]\n");
    }
    return AuthConfig.load(Files.writeString(dir.resolve(name + ".yaml"), yaml));
  }

  private static ServerTls tls(TlsConfig.Provider provider, TlsConfig config) {
    if (provider == TlsConfig.Provider.OPENSSL) {
      assertThat(OpenSsl.isAvailable()).as("netty-tcnative loads on this machine").isTrue();
    }
    return ServerTls.start(config.withProvider(provider));
  }

  private static Worker worker(ServerTls tls, AuthConfig auth) throws Exception {
    return Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(root)), null, null,
        new WorkerSecurity(tls, -1, auth));
  }

  private static void assertRow(Response response, long key) {
    assertThat(response.hasError()).as("%s", response).isFalse();
    assertThat(response.hasLookup()).isTrue();
  }

  private static void record(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      errorMessages.add(String.valueOf(c));
    }
  }

  private static void record(Response r) {
    if (r.hasError()) {
      errorMessages.add(r.getError().getMessage());
    }
  }

  /** No answer reaches a client refused in the handshake: the handshake or the first read fails. */
  private static void assertRefusedBeforeAnyAnswer(ClientTls client, Worker worker) {
    Throwable failure = catchThrowable(() -> {
      try (Wire wire = Wire.tls(client, worker.address())) {
        Response r = wire.health();
        throw new AssertionError("answered a refused client: " + r);
      }
    });
    assertThat(failure).isInstanceOf(IOException.class);
    record(failure);
  }

  @ParameterizedTest
  @EnumSource(value = TlsConfig.Provider.class, names = {"OPENSSL", "JDK"})
  @Order(1)
  void clientCertificatesThatMustNotPassAreRefusedInTheHandshake(TlsConfig.Provider provider) throws Exception {
    Path clients = Files.createDirectories(dir.resolve("clients-" + provider));
    TestPki.Issued otherCa = TestPki.ca(clients, "other-ca");
    Instant now = Instant.now();
    TestPki.Issued good = TestPki.client(clients, "good", ca, RANKER);
    Map<String, TestPki.Issued> bad = Map.of(
        "foreign CA", TestPki.client(clients, "foreign", otherCa, RANKER),
        "expired", TestPki.client(clients, "expired", ca, RANKER, now.minus(Duration.ofDays(3)),
            now.minus(Duration.ofDays(1)), KeyPurposeId.id_kp_clientAuth),
        "not yet valid", TestPki.client(clients, "future", ca, RANKER, now.plus(Duration.ofDays(1)),
            now.plus(Duration.ofDays(3)), KeyPurposeId.id_kp_clientAuth),
        "server-only EKU", TestPki.client(clients, "server-eku", ca, RANKER, now.minus(Duration.ofHours(1)),
            now.plus(Duration.ofDays(1)), KeyPurposeId.id_kp_serverAuth));
    TestPki.Issued stranger = TestPki.client(clients, "stranger", ca, "spiffe://needle.test/ns/other/sa/stranger");
    List.of(good, stranger, otherCa).forEach(i -> keyFiles.add(i.keyFile()));
    bad.values().forEach(i -> keyFiles.add(i.keyFile()));
    try (ServerTls tls = tls(provider, TlsConfig.server(server.certificateFile(), server.keyFile())
            .withClientCa(ca.certificateFile(), TlsConfig.ClientCertificate.REQUIRED));
         Worker worker = worker(tls, policy("certs-" + provider))) {
      assertRefusedBeforeAnyAnswer(ClientTls.fromPem(ca.certificateFile(), null, null, true), worker);
      for (Map.Entry<String, TestPki.Issued> e : bad.entrySet()) {
        ClientTls client = ClientTls.fromPem(ca.certificateFile(), e.getValue().certificateFile(),
            e.getValue().keyFile(), true);
        assertThat(catchThrowable(() -> assertRefusedBeforeAnyAnswer(client, worker))).as(e.getKey()).isNull();
      }
      assertThat(worker.lookupsServed()).isZero();
      long key = gen.keyAt(17);
      try (Wire wire = Wire.tls(ClientTls.fromPem(ca.certificateFile(), stranger.certificateFile(),
          stranger.keyFile(), true), worker.address())) {
        Response denied = wire.lookup(table, FeatureTable.KEY_COLUMN, key);
        record(denied);
        assertThat(denied.getError().getCode()).isEqualTo(ErrorCode.PERMISSION_DENIED);
      }
      try (NeedleClient c = NeedleClient.builder().workers(List.of("127.0.0.1:" + worker.address().getPort()))
          .tlsCa(ca.certificateFile()).tlsClientCertificate(good.certificateFile(), good.keyFile()).build()) {
        List<Row> rows = c.table(table, FeatureTable.KEY_COLUMN).lookup(key, List.of(FeatureTable.KEY_COLUMN));
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0).get(0)).isEqualTo(key);
      }
      scrape("certs-" + provider, worker);
    }
  }

  /** The handshake of a BoringSSL client offering only {@code protocol} (and {@code cipher}); null when it succeeded. */
  private static Throwable handshake(InetSocketAddress address, String protocol, String cipher) throws Exception {
    SslContextBuilder b = SslContextBuilder.forClient().sslProvider(SslProvider.OPENSSL)
        .trustManager(ca.certificateFile().toFile()).protocols(protocol);
    if (cipher != null) {
      b.ciphers(List.of(cipher));
    }
    SslContext context = b.build();
    java.util.concurrent.CompletableFuture<SslHandler> handler = new java.util.concurrent.CompletableFuture<>();
    Channel channel = new Bootstrap().group(clientLoops).channel(NioSocketChannel.class)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            SslHandler ssl = context.newHandler(ch.alloc(), "127.0.0.1", address.getPort());
            handler.complete(ssl);
            ch.pipeline().addLast(ssl).addLast(new io.netty.channel.ChannelInboundHandlerAdapter() {
              @Override
              public void exceptionCaught(io.netty.channel.ChannelHandlerContext ctx, Throwable cause) {
                ctx.close(); // the handshake's failure is read from its future
              }
            });
          }
        }).connect(address).sync().channel();
    try {
      Future<Channel> done = handler.get(10, TimeUnit.SECONDS).handshakeFuture();
      assertThat(done.await(20, TimeUnit.SECONDS)).as("handshake ended").isTrue();
      if (done.isSuccess()) {
        return null;
      }
      record(done.cause());
      return done.cause();
    } finally {
      channel.close().sync();
    }
  }

  @ParameterizedTest
  @EnumSource(value = TlsConfig.Provider.class, names = {"OPENSSL", "JDK"})
  @Order(2)
  void plaintextOldProtocolsAndWeakCiphersAreRefused(TlsConfig.Provider provider) throws Exception {
    assertThat(OpenSsl.isAvailable()).as("the probing client is BoringSSL").isTrue();
    try (ServerTls tls = tls(provider, TlsConfig.server(server.certificateFile(), server.keyFile()));
         Worker worker = worker(tls, null)) {
      InetSocketAddress a = worker.address();
      // The same client gets through with what the worker offers: the refusals below are the worker's.
      assertThat(handshake(a, "TLSv1.3", null)).isNull();
      assertThat(handshake(a, "TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")).isNull();
      for (String old : List.of("TLSv1", "TLSv1.1")) {
        assertThat(handshake(a, old, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA")).as(old)
            .isInstanceOf(javax.net.ssl.SSLException.class);
      }
      for (String weak : List.of("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
          "TLS_RSA_WITH_AES_128_GCM_SHA256", "TLS_RSA_WITH_AES_128_CBC_SHA")) {
        assertThat(handshake(a, "TLSv1.2", weak)).as(weak).isInstanceOf(javax.net.ssl.SSLException.class);
      }
      try (Wire plain = Wire.plain(a)) {
        Throwable refused = catchThrowable(plain::health);
        assertThat(refused).isInstanceOf(IOException.class);
        record(refused);
      }
      assertThat(worker.lookupsServed()).isZero();
    }
  }

  @ParameterizedTest
  @EnumSource(value = TlsConfig.Provider.class, names = {"OPENSSL", "JDK"})
  @Order(3)
  void tokensMissingWrongAndRevokedAreUnauthenticated(TlsConfig.Provider provider) throws Exception {
    ClientTls anonymous = ClientTls.fromPem(ca.certificateFile(), null, null, true);
    long key = gen.keyAt(5);
    try (ServerTls tls = tls(provider, TlsConfig.server(server.certificateFile(), server.keyFile()))) {
      try (Worker worker = worker(tls, policy("both-" + provider, ALPHA, BETA))) {
        try (Wire wire = Wire.tls(anonymous, worker.address())) {
          Response missing = wire.lookup(table, FeatureTable.KEY_COLUMN, key);
          record(missing);
          assertThat(missing.getError().getCode()).isEqualTo(ErrorCode.UNAUTHENTICATED);
          assertThat(wire.closedByPeer()).isTrue();
        }
        try (Wire wire = Wire.tls(anonymous, worker.address())) {
          Response wrong = wire.authenticate(WRONG);
          record(wrong);
          assertThat(wrong.getError().getCode()).isEqualTo(ErrorCode.UNAUTHENTICATED);
          assertThat(wire.closedByPeer()).isTrue();
        }
        try (Wire wire = Wire.tls(anonymous, worker.address())) {
          assertThat(wire.authenticate(ALPHA).getAuthenticate().getPrincipal()).isEqualTo("token:alpha");
          assertRow(wire.lookup(table, FeatureTable.KEY_COLUMN, key), key);
        }
        scrape("tokens-" + provider, worker);
      }
      // Revoked: the token's entry removed from the policy, the worker restarted with it.
      try (Worker worker = worker(tls, policy("revoked-" + provider, BETA))) {
        try (Wire wire = Wire.tls(anonymous, worker.address())) {
          Response revoked = wire.authenticate(ALPHA);
          record(revoked);
          assertThat(revoked.getError().getCode()).isEqualTo(ErrorCode.UNAUTHENTICATED);
        }
        try (Wire wire = Wire.tls(anonymous, worker.address())) {
          assertThat(wire.authenticate(BETA).hasAuthenticate()).isTrue();
          assertRow(wire.lookup(table, FeatureTable.KEY_COLUMN, key), key);
        }
      }
    }
  }

  private static BigInteger servedSerial(ClientTls client, Worker worker) throws Exception {
    try (Wire wire = Wire.tls(client, worker.address())) {
      wire.authenticate(ALPHA);
      assertThat(wire.health().hasHealth()).isTrue();
      return ((X509Certificate) ((SSLSocket) wire.socket).getSession().getPeerCertificates()[0]).getSerialNumber();
    }
  }

  @ParameterizedTest
  @EnumSource(value = TlsConfig.Provider.class, names = {"OPENSSL", "JDK"})
  @Order(4)
  void aCertificateRotatedTwiceUnderLoadLosesNoLookup(TlsConfig.Provider provider) throws Exception {
    Path files = Files.createDirectories(dir.resolve("rotating-" + provider));
    TestPki.Issued first = TestPki.server(files, "worker", ca);
    keyFiles.add(first.keyFile());
    ClientTls anonymous = ClientTls.fromPem(ca.certificateFile(), null, null, true);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong served = new AtomicLong();
    AtomicLong newConnections = new AtomicLong();
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    try (ServerTls tls = tls(provider, TlsConfig.server(first.certificateFile(), first.keyFile())
            .withReloadInterval(Duration.ofMillis(100)));
         Worker worker = worker(tls, policy("rotation-" + provider, ALPHA));
         Wire old = Wire.tls(anonymous, worker.address())) {
      assertThat(old.authenticate(ALPHA).hasAuthenticate()).isTrue();
      ExecutorService load = Executors.newFixedThreadPool(3);
      long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      for (boolean blocking : new boolean[] {true, false}) {
        load.submit(() -> {
          try (NeedleClient c = NeedleClient.builder().workers(List.of("127.0.0.1:" + worker.address().getPort()))
              .tlsCa(ca.certificateFile()).token(ALPHA).blockingCalls(blocking).build()) {
            var t = c.table(table, FeatureTable.KEY_COLUMN);
            for (int i = 0; !stop.get() && i < 200_000 && System.nanoTime() < deadline; i++) {
              long key = gen.keyAt(i % 2_000);
              List<Row> rows = t.lookup(key, List.of(FeatureTable.KEY_COLUMN));
              if (rows.size() != 1 || !rows.get(0).get(0).equals(key)) {
                failures.add(new AssertionError("key " + key + ": " + rows));
              }
              served.incrementAndGet();
            }
          } catch (Throwable e) {
            failures.add(e);
          }
        });
      }
      load.submit(() -> { // a fresh connection, handshake and lookup, again and again
        for (int i = 0; !stop.get() && i < 20_000 && System.nanoTime() < deadline; i++) {
          try (Wire wire = Wire.tls(anonymous, worker.address())) {
            wire.authenticate(ALPHA);
            assertRow(wire.lookup(table, FeatureTable.KEY_COLUMN, gen.keyAt(i % 2_000)), gen.keyAt(i % 2_000));
            newConnections.incrementAndGet();
          } catch (Throwable e) {
            failures.add(e);
          }
        }
      });
      BigInteger serial = first.serial();
      for (int rotation = 0; rotation < 2; rotation++) {
        TestPki.Issued next = TestPki.server(Files.createDirectories(files.resolve("next-" + rotation)), "worker", ca);
        keyFiles.add(next.keyFile());
        TestPki.writePem(first.keyFile(), List.of(Files.readString(next.keyFile())));
        TestPki.writePem(first.certificateFile(), List.of(Files.readString(next.certificateFile())));
        long waitUntil = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!servedSerial(anonymous, worker).equals(next.serial()) && System.nanoTime() < waitUntil) {
          Thread.sleep(50);
        }
        assertThat(servedSerial(anonymous, worker)).as("rotation %d served", rotation).isEqualTo(next.serial())
            .isNotEqualTo(serial);
        serial = next.serial();
        long before = served.get();
        while (served.get() < before + 200 && failures.isEmpty() && System.nanoTime() < deadline) {
          Thread.sleep(10); // lookups go on over the rotation
        }
      }
      stop.set(true);
      load.shutdown();
      assertThat(load.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
      assertThat(failures).as("failed lookups during rotation").isEmpty();
      assertThat(served.get()).isGreaterThan(400);
      assertThat(newConnections.get()).isPositive();
      // Each rotation reloads once or twice: a check that read the new key before the certificate
      // was replaced loads the pair when both are there, and the next check sees the certificate's change.
      assertThat(tls.reloads()).isBetween(2L, 4L);
      assertRow(old.lookup(table, FeatureTable.KEY_COLUMN, gen.keyAt(9)), gen.keyAt(9)); // opened before both
      System.out.printf("T23 rotation (%s): %d lookups, %d new connections, 0 failed%n", provider, served.get(),
          newConnections.get());
      scrape("rotation-" + provider, worker);
    }
  }

  private static void scrape(String name, Worker worker) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    WorkerMetrics.bind(worker, registry);
    metricsScrapes.put(name, registry.scrape());
    registry.close();
  }

  @Test
  @Order(10)
  void noTokenOrPrivateKeyAppearsInLogsMetricsOrErrorMessages() throws Exception {
    List<String> secrets = new ArrayList<>(List.of(ALPHA, BETA, WRONG));
    for (Path key : keyFiles) {
      String pem = Files.readString(key);
      String body = pem.substring(pem.indexOf('\n') + 1, pem.indexOf("-----END")).replace("\n", "");
      secrets.add(body.substring(0, 32));
      secrets.add(body.substring(body.length() - 32));
    }
    assertThat(logLines).as("DEBUG log lines captured").isNotEmpty();
    assertThat(metricsScrapes).isNotEmpty();
    assertThat(errorMessages).isNotEmpty();
    List<String> haystacks = new ArrayList<>(logLines);
    haystacks.addAll(metricsScrapes.values());
    haystacks.addAll(errorMessages);
    int matches = 0;
    for (String text : haystacks) {
      for (String secret : secrets) {
        if (text.contains(secret)) {
          matches++;
        }
      }
    }
    System.out.printf("T23 secrets: %d secrets searched in %d log lines, %d metric scrapes, %d error messages: "
        + "%d matches%n", secrets.size(), logLines.size(), metricsScrapes.size(), errorMessages.size(), matches);
    assertThat(matches).isZero();
  }
}
