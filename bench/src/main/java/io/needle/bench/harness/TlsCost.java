package io.needle.bench.harness;

import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.client.NeedleClient;
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
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * What TLS costs a warm lookup: one worker serving plaintext and TLS on two ports, and a client
 * per path (plaintext or TLS, the caller-thread blocking socket or the Netty event loop), one
 * key with the twelve feature columns. The four take turns in each round, so load from other
 * processes on a shared machine falls on all of them alike; the result per path is the median
 * over rounds of each round's median (and p99).
 *
 * <p>{@code java ... io.needle.bench.harness.TlsCost [rows] [lookups per round] [rounds]}. The
 * worker's certificate is self-signed by the JDK's {@code keytool}, for 127.0.0.1.
 */
public final class TlsCost {
  private TlsCost() {}

  /** Median and p99 of one path, in microseconds. */
  public record PathCost(String path, double medianMicros, double p99Micros) {}

  public static void main(String[] args) throws Exception {
    long rows = args.length > 0 ? Long.parseLong(args[0]) : 200_000;
    int lookups = args.length > 1 ? Integer.parseInt(args[1]) : 5_000;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    System.out.printf("TLS provider on the worker: %s; %d rows, %d lookups x %d rounds%n",
        io.netty.handler.ssl.OpenSsl.isAvailable() ? "OpenSSL (" + io.netty.handler.ssl.OpenSsl.versionString() + ")" : "JDK",
        rows, lookups, rounds);
    for (PathCost c : run(rows, lookups, rounds)) {
      System.out.printf("%-22s median %8.1f us   p99 %8.1f us%n", c.path(), c.medianMicros(), c.p99Micros());
    }
  }

  public static List<PathCost> run(long rows, int lookups, int rounds) throws Exception {
    Path dir = Files.createTempDirectory("needle-tls-cost-");
    FeatureTable gen = new FeatureTable(GenOptions.defaults(rows, 2));
    gen.write(dir.resolve("t"));
    Path[] pem = selfSigned(dir);
    SplittableRandom random = new SplittableRandom(1);
    long[] keys = new long[4096];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = gen.keyAt(random.nextLong(rows));
    }
    try (ServerTls tls = ServerTls.start(TlsConfig.server(pem[0], pem[1]));
         Worker worker = Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(dir)), null, null,
             new WorkerSecurity(tls, 0, null))) {
      Map<String, NeedleClient> clients = new LinkedHashMap<>();
      clients.put("plaintext, blocking", client(worker.address(), null, true));
      clients.put("TLS, blocking", client(worker.tlsAddress(), pem[0], true));
      clients.put("plaintext, event loop", client(worker.address(), null, false));
      clients.put("TLS, event loop", client(worker.tlsAddress(), pem[0], false));
      Map<String, List<double[]>> perRound = new LinkedHashMap<>();
      try {
        for (int round = 0; round < rounds; round++) {
          for (Map.Entry<String, NeedleClient> e : clients.entrySet()) {
            Table table = e.getValue().table(dir.resolve("t").toUri().toString(), FeatureTable.KEY_COLUMN);
            for (int i = 0; i < Math.min(2_000, lookups); i++) { // warm: connections, describe, JIT
              table.lookup(keys[i & 4095], Workload.FEATURE_COLUMNS);
            }
            long[] nanos = new long[lookups];
            for (int i = 0; i < lookups; i++) {
              long start = System.nanoTime();
              table.lookup(keys[(i * 7 + round) & 4095], Workload.FEATURE_COLUMNS);
              nanos[i] = System.nanoTime() - start;
            }
            Arrays.sort(nanos);
            perRound.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(new double[] {
                nanos[lookups / 2] / 1e3, nanos[(int) Math.min(lookups - 1, (long) lookups * 99 / 100)] / 1e3});
          }
        }
      } finally {
        clients.values().forEach(NeedleClient::close);
      }
      List<PathCost> out = new ArrayList<>();
      for (Map.Entry<String, List<double[]>> e : perRound.entrySet()) {
        out.add(new PathCost(e.getKey(), median(e.getValue(), 0), median(e.getValue(), 1)));
      }
      return out;
    } finally {
      try (var paths = Files.walk(dir)) {
        for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  private static NeedleClient client(InetSocketAddress worker, Path ca, boolean blocking) {
    NeedleClient.Builder b = NeedleClient.builder().workers(List.of("127.0.0.1:" + worker.getPort())).blockingCalls(blocking);
    if (ca != null) {
      b.tlsCa(ca);
    }
    return b.build();
  }

  private static double median(List<double[]> rounds, int index) {
    double[] v = rounds.stream().mapToDouble(r -> r[index]).sorted().toArray();
    return v[v.length / 2];
  }

  /** A self-signed EC certificate for 127.0.0.1 from keytool, written as PEM (chain, PKCS#8 key). */
  private static Path[] selfSigned(Path dir) throws Exception {
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
