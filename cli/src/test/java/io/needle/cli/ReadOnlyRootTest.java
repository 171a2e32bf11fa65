package io.needle.cli;

import io.needle.bench.gen.FeatureRow;
import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.client.NeedleClient;
import io.needle.client.Row;
import io.needle.client.Table;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * RELIABILITY.md T24's run with only the cache directory and tmp writable, as the Kubernetes
 * manifests run a worker (read-only root, an emptyDir for /tmp, a volume for the cache).
 *
 * <p>How, as root: the tests run as root, so file permissions restrict nothing; {@code unshare
 * -m} gives the {@code needle serve} child its own mount namespace, where every mount is
 * remounted read-only except bind mounts of the cache directory and of /tmp (/proc and
 * /dev/pts aside; /tmp keeps its contents, since the test's classes may live there). The kernel then refuses any other write with EROFS, whatever code
 * attempts it. The sandbox checks itself before the JVM starts (the table directory and / refuse
 * a write, the cache directory and /tmp take one) and says so on stderr.
 *
 * <p>What it proves: the worker starts, serves rows equal to the generator's, keeps {@code /livez}
 * and {@code /readyz} at 200, stores pages (files appear in the cache directory), drains on
 * SIGTERM, and a second run on the same cache directory recovers those pages; no log line reports
 * a read-only file system or an error. What it does not: a write elsewhere that failed and was
 * silently ignored would go unnoticed here. Skipped, saying why, where {@code unshare -m} is not
 * permitted (no CAP_SYS_ADMIN).
 */
class ReadOnlyRootTest {
  private static final int KEYS = 300;
  private static final String SANDBOX = """
      set -e
      mount --bind "$NEEDLE_CACHE" "$NEEDLE_CACHE"
      mount --bind /tmp /tmp
      while read -r dev mnt rest; do
        case "$mnt" in /proc|/proc/*|/dev/pts|"$NEEDLE_CACHE"|/tmp) continue;; esac
        mount -o remount,bind,ro "$mnt" || { echo "sandbox: cannot remount $mnt read-only" >&2; exit 98; }
      done < /proc/self/mounts
      if (echo x > "$NEEDLE_DATA/.probe") 2>/dev/null; then echo "sandbox: $NEEDLE_DATA is writable" >&2; exit 97; fi
      if (echo x > /.probe) 2>/dev/null; then echo "sandbox: / is writable" >&2; exit 97; fi
      echo x > "$NEEDLE_CACHE/.probe" && rm "$NEEDLE_CACHE/.probe"
      echo x > /tmp/.probe && rm /tmp/.probe
      echo "sandbox: read-only except $NEEDLE_CACHE and /tmp" >&2
      exec "$@"
      """;

  /** Not under /tmp, which stays writable in the sandbox (the table directory must not be). */
  private Path dir;

  @BeforeEach
  void makeDirectory() throws IOException {
    Path target = Path.of("target").toAbsolutePath();
    // A checkout under /tmp (a CI's scratch clone) puts the tables in /var/tmp instead
    Path base = target.startsWith("/tmp") ? Path.of("/var/tmp") : target;
    dir = Files.createDirectories(base.resolve("read-only-root")).resolve(Long.toString(System.nanoTime()));
    Files.createDirectories(dir);
  }

  @AfterEach
  void removeDirectory() throws IOException {
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  @Test
  void aWorkerWithOnlyItsCacheAndTmpWritableServesStoresAndRecoversItsPages() throws Exception {
    assumeMountNamespaces();
    FeatureTable users = new FeatureTable(GenOptions.defaults(6_000, 3));
    Path tables = dir.resolve("tables");
    Path table = tables.resolve("users");
    users.write(table);
    Path cache = Files.createDirectories(dir.resolve("cache"));
    List<String> launcher = List.of("env", "NEEDLE_CACHE=" + cache, "NEEDLE_DATA=" + tables, "unshare", "-m",
        "--propagation", "private", "sh", "-c", SANDBOX, "sandbox");
    List<String> args = List.of("--root", tables.toString(), "--port", "0", "--health-port", "0", "--name", "ro",
        "--cache-dir", cache.toString(), "--cache-size", "64m", "--drain-grace", "10s");
    String recovered;
    try (ServeProcess first = ServeProcess.start(launcher, args, List.of("-Xmx256m"))) {
      assertThat(first.logLine("sandbox: ")).as("the sandbox checked itself").contains("sandbox: read-only except");
      lookUpAll(first, table, users);
      assertThat(awaitProbe(first, "/livez")).isEqualTo(200);
      assertThat(awaitProbe(first, "/readyz")).isEqualTo(200);
      first.stop();
      assertClean(first);
    }
    long cacheBytes;
    try (Stream<Path> files = Files.walk(cache)) {
      cacheBytes = files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
    assertThat(cacheBytes).as("bytes the worker wrote to its cache directory").isPositive();
    try (ServeProcess second = ServeProcess.start(launcher, args, List.of("-Xmx256m"))) {
      recovered = ServeProcess.field(second.logLine(" started "), "recovered_pages");
      assertThat(Long.parseLong(recovered)).as("pages the second run found in the cache directory").isPositive();
      lookUpAll(second, table, users);
      assertThat(awaitProbe(second, "/readyz")).isEqualTo(200);
      second.stop();
      assertClean(second);
    }
    System.out.printf("T24 read-only root: 2 x %d rows served and checked, cache directory files of %d bytes written, "
        + "%s pages recovered by the second run; every other mount read-only%n", KEYS, cacheBytes, recovered);
  }

  /** Looks up {@link #KEYS} keys and checks each row against the generator. */
  private static void lookUpAll(ServeProcess serve, Path table, FeatureTable users) throws Exception {
    try (NeedleClient client = NeedleClient.builder().workers(List.of(serve.address))
        .requestTimeout(Duration.ofSeconds(30)).membershipRefresh(Duration.ofMillis(200)).build()) {
      // A cold JVM on a loaded machine may miss the client's first health check: wait until it is up.
      long end = System.nanoTime() + 60_000_000_000L;
      while (!client.liveWorkers().contains("ro") && System.nanoTime() - end < 0) {
        Thread.sleep(20);
      }
      assertThat(client.liveWorkers()).as("the worker in the client's membership").contains("ro");
      Table t = client.table(table.toString(), FeatureTable.KEY_COLUMN);
      for (int i = 0; i < KEYS; i++) {
        long key = users.keyAt(i * 19L % 6_000);
        List<Row> rows = t.lookup(key, List.of());
        assertThat(rows).as("rows of %d", key).hasSize(1);
        FeatureRow want = users.expected(key);
        for (Map.Entry<String, Object> c : want.asMap().entrySet()) {
          assertThat(rows.get(0).get(c.getKey())).as("%s of %d", c.getKey(), key).isEqualTo(c.getValue());
        }
      }
    }
  }

  /** The probe's status; a probe with no answer (a slow machine) is asked again, at most for 60 s. */
  private static int awaitProbe(ServeProcess serve, String path) throws InterruptedException {
    long end = System.nanoTime() + 60_000_000_000L;
    int status;
    while ((status = serve.probe(path)) == -1 && System.nanoTime() - end < 0) {
      Thread.sleep(100);
    }
    return status;
  }

  private static void assertClean(ServeProcess serve) {
    assertThat(serve.stderr()).as("stderr").noneMatch(l -> l.contains("Read-only file system"))
        .noneMatch(l -> l.contains(" ERROR "));
  }

  private static void assumeMountNamespaces() throws Exception {
    Process p;
    try {
      p = new ProcessBuilder("unshare", "-m", "--propagation", "private", "sh", "-c",
          "mount -t tmpfs tmpfs /mnt && mount -o remount,bind,ro /").redirectErrorStream(true).start();
    } catch (IOException e) {
      Assumptions.abort("no unshare here: " + e.getMessage());
      return;
    }
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    Assumptions.assumeTrue(p.exitValue() == 0, "mount namespaces not permitted here (needs root with CAP_SYS_ADMIN): " + out);
  }
}
