package io.needle.bench.harness;

import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.client.ClientTls;
import io.needle.client.NeedleClient;
import io.needle.protocol.BlockingFrames;
import io.needle.protocol.proto.HealthRequest;
import io.needle.protocol.proto.Request;
import io.needle.worker.AuthConfig;
import io.netty.handler.ssl.OpenSsl;
import io.needle.client.Table;
import io.needle.worker.ServerTls;
import io.needle.worker.TlsConfig;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import io.needle.worker.WorkerSecurity;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * What TLS costs a warm lookup, for {@code needle bench --tls}: the same warm lookups (one key,
 * the twelve feature columns) over plaintext, TLS, TLS with a bearer token (the worker checks
 * its auth policy on every request), and TLS served by the JDK's provider instead of BoringSSL;
 * each through the caller-thread blocking socket and the Netty event loop. Three workers on the
 * same table: plaintext and TLS on two ports of one, TLS and a policy on the second, the JDK
 * provider on the third. The paths take turns in each round, so load from other processes on a
 * shared machine falls on all of them alike; a path's result is the median over rounds of each
 * round's median (and p99). Also the full TLS handshake (connect, handshake, first answer), per
 * server provider, over fresh connections.
 *
 * <p>{@code java ... io.needle.bench.harness.TlsCost [rows] [lookups per round] [rounds]}. The
 * worker's certificate is self-signed by the JDK's {@code keytool}, for 127.0.0.1.
 */
public final class TlsCost {
  private static final String TOKEN = "bench-token-4f1c2a7e9b3d5f60718293a4b5c6d7e8";

  private TlsCost() {}

  /** Median and p99 of one path, in microseconds. */
  public record PathCost(String path, double medianMicros, double p99Micros) {}

  /** Everything one run measured. */
  public record Result(String provider, List<PathCost> lookups, List<PathCost> handshakes) {
    /** The path's median over the plaintext median of the same call mode ("blocking", "event loop"). */
    public double ratio(String path) {
      String mode = path.substring(path.lastIndexOf(", ") + 2);
      return median(path) / median("plaintext, " + mode);
    }

    private double median(String path) {
      return lookups.stream().filter(c -> c.path().equals(path)).findFirst().orElseThrow().medianMicros();
    }

    /** The report {@code needle bench --tls} prints. */
    public void print(java.io.PrintStream out) {
      out.printf("TLS provider (AUTO) on this machine: %s%n", provider);
      out.printf("%-34s %10s %10s %8s%n", "warm lookup path", "median us", "p99 us", "x plain");
      for (PathCost c : lookups) {
        out.printf("%-34s %10.1f %10.1f %8.2f%n", c.path(), c.medianMicros(), c.p99Micros(), ratio(c.path()));
      }
      out.printf("%-34s %10s %10s%n", "new connection (TCP+TLS+1st call)", "median us", "p99 us");
      for (PathCost c : handshakes) {
        out.printf("%-34s %10.1f %10.1f%n", c.path(), c.medianMicros(), c.p99Micros());
      }
    }
  }

  public static void main(String[] args) throws Exception {
    long rows = args.length > 0 ? Long.parseLong(args[0]) : 200_000;
    int lookups = args.length > 1 ? Integer.parseInt(args[1]) : 5_000;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    System.out.printf("%d rows, %d lookups x %d rounds%n", rows, lookups, rounds);
    run(rows, lookups, rounds).print(System.out);
  }

  public static Result run(long rows, int lookups, int rounds) throws Exception {
    Path dir = Files.createTempDirectory("needle-tls-cost-");
    FeatureTable gen = new FeatureTable(GenOptions.defaults(rows, 2));
    Path data = Files.createDirectories(dir.resolve("data"));
    gen.write(data.resolve("t"));
    Path[] pem = selfSigned(dir);
    Path policy = Files.writeString(dir.resolve("policy.yaml"), "tokens:\n  - name: bench\n    sha256: \"sha256:"
        + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(TOKEN.getBytes(StandardCharsets.UTF_8)))
        + "\"\ngrants:\n  - principal: \"token:bench\"\n    tables: [\"" + data.toUri() + "\"]\n");
    SplittableRandom random = new SplittableRandom(1);
    long[] keys = new long[4096];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = gen.keyAt(random.nextLong(rows));
    }
    WorkerConfig config = WorkerConfig.defaults("127.0.0.1", 0, List.of(data));
    TlsConfig tlsConfig = TlsConfig.server(pem[0], pem[1]);
    try (ServerTls tls = ServerTls.start(tlsConfig);
         ServerTls jdk = ServerTls.start(tlsConfig.withProvider(TlsConfig.Provider.JDK));
         Worker worker = Worker.start(config, null, null, new WorkerSecurity(tls, 0, null));
         Worker withToken = Worker.start(config, null, null, new WorkerSecurity(tls, -1, AuthConfig.load(policy)));
         Worker jdkWorker = Worker.start(config, null, null, new WorkerSecurity(jdk, -1, null))) {
      Map<String, NeedleClient> clients = new LinkedHashMap<>();
      String tlsName = "TLS (" + (tls.openSsl() ? "BoringSSL" : "JDK") + ")";
      for (boolean blocking : new boolean[] {true, false}) {
        String mode = blocking ? "blocking" : "event loop";
        clients.put("plaintext, " + mode, client(worker.address(), null, null, blocking));
        clients.put(tlsName + ", " + mode, client(worker.tlsAddress(), pem[0], null, blocking));
        clients.put(tlsName + " + token, " + mode, client(withToken.address(), pem[0], TOKEN, blocking));
        if (tls.openSsl()) {
          clients.put("TLS (JDK), " + mode, client(jdkWorker.address(), pem[0], null, blocking));
        }
      }
      Map<String, List<double[]>> perRound = new LinkedHashMap<>();
      Map<String, List<double[]>> handshakeRounds = new LinkedHashMap<>();
      ClientTls handshakeClient = ClientTls.fromPem(pem[0], null, null, true);
      try {
        for (int round = 0; round < rounds; round++) {
          for (Map.Entry<String, NeedleClient> e : clients.entrySet()) {
            Table table = e.getValue().table(data.resolve("t").toUri().toString(), FeatureTable.KEY_COLUMN);
            for (int i = 0; i < Math.min(2_000, lookups); i++) { // warm: connections, describe, JIT
              table.lookup(keys[i & 4095], Workload.FEATURE_COLUMNS);
            }
            long[] nanos = new long[lookups];
            for (int i = 0; i < lookups; i++) {
              long start = System.nanoTime();
              table.lookup(keys[(i * 7 + round) & 4095], Workload.FEATURE_COLUMNS);
              nanos[i] = System.nanoTime() - start;
            }
            perRound.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(medianAndP99(nanos));
          }
          handshakeRounds.computeIfAbsent("server " + tlsName, k -> new ArrayList<>())
              .add(handshakes(handshakeClient, worker.tlsAddress(), Math.max(20, lookups / 25)));
          if (tls.openSsl()) {
            handshakeRounds.computeIfAbsent("server TLS (JDK)", k -> new ArrayList<>())
                .add(handshakes(handshakeClient, jdkWorker.address(), Math.max(20, lookups / 25)));
          }
        }
      } finally {
        clients.values().forEach(NeedleClient::close);
      }
      return new Result(tls.openSsl() ? "BoringSSL (" + OpenSsl.versionString() + ")" : "JDK (netty-tcnative not loaded)",
          costs(perRound), costs(handshakeRounds));
    } finally {
      Directories.deleteTree(dir);
    }
  }

  /** {@code count} fresh connections: TCP connect, full handshake (JDK client), one Health call. */
  private static double[] handshakes(ClientTls client, InetSocketAddress address, int count) throws IOException {
    long[] nanos = new long[count];
    for (int i = 0; i < count; i++) {
      long start = System.nanoTime();
      try (java.net.Socket s = client.connect(address, 5_000)) {
        BlockingFrames.write(s.getOutputStream(), Request.newBuilder().setRequestId(1)
            .setHealth(HealthRequest.getDefaultInstance()).build());
        BlockingFrames.read(s.getInputStream(), 1 << 20).release();
      }
      nanos[i] = System.nanoTime() - start;
    }
    return medianAndP99(nanos);
  }

  private static double[] medianAndP99(long[] nanos) {
    Arrays.sort(nanos);
    int n = nanos.length;
    return new double[] {nanos[n / 2] / 1e3, nanos[(int) Math.min(n - 1, (long) n * 99 / 100)] / 1e3};
  }

  private static List<PathCost> costs(Map<String, List<double[]>> rounds) {
    List<PathCost> out = new ArrayList<>();
    for (Map.Entry<String, List<double[]>> e : rounds.entrySet()) {
      out.add(new PathCost(e.getKey(), median(e.getValue(), 0), median(e.getValue(), 1)));
    }
    return out;
  }

  private static NeedleClient client(InetSocketAddress worker, Path ca, String token, boolean blocking) {
    NeedleClient.Builder b = NeedleClient.builder().workers(List.of("127.0.0.1:" + worker.getPort())).blockingCalls(blocking);
    if (ca != null) {
      b.tlsCa(ca);
    }
    if (token != null) {
      b.token(token);
    }
    return b.build();
  }

  private static double median(List<double[]> rounds, int index) {
    double[] v = rounds.stream().mapToDouble(r -> r[index]).sorted().toArray();
    return v[v.length / 2];
  }

  /**
   * A self-signed EC certificate for 127.0.0.1 from keytool, written into {@code dir} as PEM: the
   * certificate, then its PKCS#8 key (also for tests that need a worker certificate without a CA).
   */
  public static Path[] selfSigned(Path dir) throws Exception {
    Path store = dir.resolve("worker.p12");
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
        "-genkeypair", "-alias", "worker", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=needle-worker",
        "-ext", "san=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(),
        "-storepass", "changeit", "-keypass", "changeit").redirectErrorStream(true).start();
    byte[] output = p.getInputStream().readAllBytes();
    if (p.waitFor() != 0) {
      throw new IOException("keytool failed: " + new String(output, StandardCharsets.UTF_8));
    }
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      ks.load(in, "changeit".toCharArray());
    }
    PrivateKey key = (PrivateKey) ks.getKey("worker", "changeit".toCharArray());
    Path cert = Files.writeString(dir.resolve("worker.crt"), pem("CERTIFICATE", ks.getCertificate("worker").getEncoded()));
    Path keyFile = Files.writeString(dir.resolve("worker.key"), pem("PRIVATE KEY", key.getEncoded()));
    return new Path[] {cert, keyFile};
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }
}
