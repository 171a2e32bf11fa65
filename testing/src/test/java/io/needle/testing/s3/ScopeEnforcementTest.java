package io.needle.testing.s3;

import static org.assertj.core.api.Assertions.assertThat;

import io.needle.bench.gen.FeatureRow;
import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.client.NeedleClient;
import io.needle.client.NeedleException;
import io.needle.client.Row;
import io.needle.testing.e2e.LeakRecorder;
import io.needle.worker.S3Config;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import jdk.jfr.consumer.RecordingStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * T22, scope enforcement, through a real worker on a real socket: table URIs built from the pieces
 * attacks are made of (other buckets and schemes, traversal plain, percent- and double-encoded,
 * backslashes, NUL, over-long names, Unicode look-alikes, newlines, query strings, symlinks out of
 * the root, prefix confusion), each aimed at a target outside the worker's scope that exists and at
 * one that does not. What must hold is read from outside the code under test:
 *
 * <ul>
 *   <li>local roots: the JDK's own file-read events (JFR {@code jdk.FileRead}, every read, no
 *       threshold) name no file outside the root while the payloads run, and do name the root's
 *       table when it is looked up (the recording sees the worker's reads);
 *   <li>S3 roots: the request log of the proxy in front of the S3 server holds no request for a
 *       key or list prefix outside the allowed prefix, and does hold the allowed table's;
 *   <li>every payload is answered with a typed refusal, never a row and never {@code NOT_FOUND}
 *       (which would tell that a target outside the scope does not exist), and a target that
 *       exists gets the same answer as one that does not.
 * </ul>
 *
 * The URI canonicalizer itself is fuzzed at unit level ({@code TableScopeFuzzTest}) and by Jazzer.
 */
class ScopeEnforcementTest {
  private static final String ALLOWED = "allowed";
  private static final String OTHER_BUCKET = "another-bucket";
  private static final Set<NeedleException.Code> REFUSALS =
      EnumSet.of(NeedleException.Code.PERMISSION_DENIED, NeedleException.Code.INVALID_ARGUMENT);

  @TempDir
  static Path dir;

  static S3Fixture s3;
  static FeatureTable generator;
  static Path root;
  static Path outside;

  @BeforeAll
  static void setUp() throws Exception {
    generator = new FeatureTable(GenOptions.defaults(2_000, 1));
    root = Files.createDirectories(dir.resolve("root")).toRealPath();
    outside = Files.createDirectories(dir.resolve("outside")).toRealPath();
    List<Path> tableFiles = generator.write(root.resolve("t"));
    generator.write(outside.resolve("secret"));
    Files.createSymbolicLink(root.resolve("out"), outside);
    Files.createSymbolicLink(root.resolve("t").resolve("linked.parquet"),
        outside.resolve("secret").resolve(tableFiles.get(0).getFileName()));

    s3 = S3Fixture.start();
    s3.direct.createBucket(b -> b.bucket(OTHER_BUCKET)).join();
    for (Path f : tableFiles) {
      String name = f.getFileName().toString();
      s3.put(ALLOWED + "/t/" + name, f);
      s3.put("secret/t/" + name, f);
      s3.put(ALLOWED + "-evil/t/" + name, f); // shares the allowed prefix's first characters
      s3.direct.putObject(b -> b.bucket(OTHER_BUCKET).key("t/" + name),
          software.amazon.awssdk.core.async.AsyncRequestBody.fromFile(f)).join();
    }
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (s3 != null) {
      s3.close();
    }
    LeakRecorder.assertNoLeaks();
  }

  @Test
  void localPayloadsReadNoFileOutsideTheRoot() throws Exception {
    String r = root.toString();
    String o = outside.toString();
    String up = "/" + root.relativize(outside).toString(); // "/../outside"
    Map<String, Function<String, String>> forms = new LinkedHashMap<>();
    // Names the worker takes literally (decoded once, as a URI is), so they stay inside the root:
    // a directory called "%2e%2e" or "\u2025" is not a parent.
    Set<String> literal = Set.of("double-encoded", "two-dot leader", "fullwidth dots");
    forms.put("absolute", t -> "file://" + o + "/" + t);
    forms.put("dot-dot", t -> "file://" + r + up + "/" + t);
    forms.put("dot-dot from the table", t -> "file://" + r + "/t/.." + up + "/" + t);
    forms.put("percent-encoded", t -> "file://" + r + up.replace("..", "%2e%2e") + "/" + t);
    forms.put("percent-encoded upper", t -> "file://" + r + up.replace("..", "%2E%2E") + "/" + t);
    forms.put("percent-encoded slash", t -> "file://" + r + "/..%2f" + up.substring(4) + "/" + t);
    forms.put("double-encoded", t -> "file://" + r + up.replace("..", "%252e%252e") + "/" + t);
    forms.put("backslashes", t -> "file://" + r + up.replace('/', '\\') + "\\" + t);
    forms.put("NUL", t -> "file://" + r + "/t\0" + up + "/" + t);
    forms.put("encoded NUL", t -> "file://" + r + "/t%00" + up + "/" + t);
    forms.put("newline", t -> "file://" + r + "/t\n" + up + "/" + t);
    forms.put("two-dot leader", t -> "file://" + r + up.replace("..", "\u2025") + "/" + t);
    forms.put("fullwidth dots", t -> "file://" + r + up.replace("..", "\uff0e\uff0e") + "/" + t);
    forms.put("over-long", t -> "file://" + r + "/" + "a".repeat(1_100) + "/.." + up + "/" + t);
    forms.put("query", t -> "file://" + r + up + "/" + t + "?versionId=1");
    forms.put("fragment", t -> "file://" + r + up + "/" + t + "#x");
    forms.put("symlinked directory", t -> "file://" + r + "/out/" + t);
    forms.put("symlink then dot-dot", t -> "file://" + r + "/out/../out/" + t);
    forms.put("/proc/self/root", t -> "file:///proc/self/root" + o + "/" + t);
    forms.put("host", t -> "file://localhost" + o + "/" + t);
    forms.put("opaque", t -> "file:" + o + "/" + t);
    forms.put("no scheme", t -> o + "/" + t);
    forms.put("relative", t -> ".." + up + "/" + t);
    forms.put("upper-case scheme", t -> "FILE://" + o + "/" + t);
    forms.put("http", t -> "http://127.0.0.1" + o + "/" + t);
    forms.put("hdfs", t -> "hdfs://localhost" + o + "/" + t);
    forms.put("s3a", t -> "s3a://bucket" + o + "/" + t);
    forms.put("trailing slash", t -> "file://" + r + up + "/" + t + "/");
    forms.put("dot segments", t -> "file://" + r + "/./t/./.." + up + "/./" + t);
    forms.put("doubled slashes", t -> "file://" + r + "//.." + up.substring(3) + "//" + t);

    ConcurrentLinkedQueue<String> reads = new ConcurrentLinkedQueue<>();
    try (RecordingStream recording = new RecordingStream()) {
      recording.enable("jdk.FileRead").withThreshold(Duration.ZERO).withStackTrace();
      recording.onEvent("jdk.FileRead", e -> reads.add(String.valueOf(e.getString("path"))));
      recording.startAsync();
      try (Worker worker = worker(null); NeedleClient client = client(worker)) {
        // Control: the recording sees the worker's reads of the table inside the root.
        long key = generator.keyAt(7);
        assertRow(key, client.table("file://" + r + "/t", FeatureTable.KEY_COLUMN).lookup(key, List.of()));
        awaitRead(reads, r + "/t/");

        int tried = tryAll(client, forms, literal,
            List.of("secret", "missing", "secret/", "missing/deeper", "secret/../secret"), generator.keyAt(11));
        assertThat(tried).as("payloads tried").isGreaterThanOrEqualTo(150);
        // The symlinked file inside the table directory is hidden from its listing (it resolves
        // outside the root); the table still answers from its own file.
        assertRow(key, client.table("file://" + r + "/t", FeatureTable.KEY_COLUMN).lookup(key, List.of()));
        recording.stop(); // flushes: every event recorded so far has reached the handler
        System.out.printf("T22 local: %d payloads, %d file reads recorded, %d outside the root%n", tried, reads.size(),
            reads.stream().filter(p -> p.startsWith(o)).count());
        assertThat(reads).as("files read outside the root").noneMatch(p -> p.startsWith(o));
      }
    }
  }

  @Test
  void s3PayloadsSendNoRequestOutsideTheAllowedPrefix() throws Exception {
    String b = S3Fixture.BUCKET;
    Map<String, Function<String, String>> forms = new LinkedHashMap<>();
    // S3 keys are literal strings: "allowed/%2e%2e/secret/t" names an (empty) prefix under the
    // allowed one, which S3 itself never normalizes. These answer "no rows" from inside the scope.
    Set<String> literal = Set.of("percent-encoded", "double-encoded", "two-dot leader", "fullwidth dots");
    forms.put("same bucket", t -> "s3://" + b + "/" + t);
    forms.put("dot-dot", t -> "s3://" + b + "/" + ALLOWED + "/../" + t);
    forms.put("dot-dot from the table", t -> "s3://" + b + "/" + ALLOWED + "/t/../../" + t);
    forms.put("percent-encoded", t -> "s3://" + b + "/" + ALLOWED + "/%2e%2e/" + t);
    forms.put("percent-encoded slash", t -> "s3://" + b + "/" + ALLOWED + "%2f..%2f" + t);
    forms.put("double-encoded", t -> "s3://" + b + "/" + ALLOWED + "/%252e%252e/" + t);
    forms.put("backslashes", t -> "s3://" + b + "/" + ALLOWED + "\\..\\" + t);
    forms.put("NUL", t -> "s3://" + b + "/" + ALLOWED + "\0/../" + t);
    forms.put("newline", t -> "s3://" + b + "/" + ALLOWED + "\n/../" + t);
    forms.put("two-dot leader", t -> "s3://" + b + "/" + ALLOWED + "/\u2025/" + t);
    forms.put("fullwidth dots", t -> "s3://" + b + "/" + ALLOWED + "/\uff0e\uff0e/" + t);
    forms.put("over-long", t -> "s3://" + b + "/" + ALLOWED + "/" + "k".repeat(1_100) + "/../../" + t);
    forms.put("prefix confusion", t -> "s3://" + b + "/" + ALLOWED + "-evil/" + t);
    forms.put("other bucket", t -> "s3://" + OTHER_BUCKET + "/" + t);
    forms.put("bucket look-alike", t -> "s3://" + b + ".s3.amazonaws.com/" + ALLOWED + "/../" + t);
    forms.put("query", t -> "s3://" + b + "/" + t + "?versionId=1");
    forms.put("presign query", t -> "s3://" + b + "/" + ALLOWED + "/t?X-Amz-Signature=0&prefix=" + t);
    forms.put("upper-case scheme", t -> "S3://" + b + "/" + t);
    forms.put("s3a", t -> "s3a://" + b + "/" + t);
    forms.put("s3n", t -> "s3n://" + b + "/" + t);
    forms.put("https", t -> "https://" + b + ".s3.amazonaws.com/" + t);
    forms.put("user info", t -> "s3://user@" + b + "/" + t);
    forms.put("port", t -> "s3://" + b + ":443/" + t);
    forms.put("dot segments", t -> "s3://" + b + "/./" + ALLOWED + "/./../" + t);
    forms.put("doubled slashes", t -> "s3://" + b + "//" + t);

    S3Config config = s3.workerConfig(URI.create("s3://" + b + "/" + ALLOWED + "/"));
    try (Worker worker = worker(config); NeedleClient client = client(worker)) {
      long key = generator.keyAt(5);
      int before = s3.proxy.requestCount();
      assertRow(key, client.table("s3://" + b + "/" + ALLOWED + "/t", FeatureTable.KEY_COLUMN).lookup(key, List.of()));
      // Control: the log holds the allowed table's requests, and this test's rule accepts them.
      List<String> control = s3.proxy.requests().subList(before, s3.proxy.requestCount());
      assertThat(control).as("requests for the allowed table").isNotEmpty().allMatch(ScopeEnforcementTest::insideAllowed);

      int from = s3.proxy.requestCount();
      int tried = tryAll(client, forms, literal, List.of("secret/t", "missing/t", "t"), generator.keyAt(9));
      List<String> seen = s3.proxy.requests().subList(from, s3.proxy.requestCount());
      System.out.printf("T22 S3: %d payloads, %d S3 requests seen, %d outside the allowed prefix%n", tried, seen.size(),
          seen.stream().filter(l -> !insideAllowed(l)).count());
      assertThat(tried).as("payloads tried").isGreaterThanOrEqualTo(70);
      assertThat(seen).as("S3 requests outside s3://%s/%s/", b, ALLOWED).allMatch(ScopeEnforcementTest::insideAllowed);
    }
  }

  /**
   * Looks up {@code key} through every form aimed at every target; each must be refused with a
   * typed error (the {@code literal} forms, whose names stay inside the scope, may instead find
   * nothing there), the same for every target of a form: a target that exists and one that does
   * not answer alike. Returns the number of payloads tried.
   */
  private static int tryAll(NeedleClient client, Map<String, Function<String, String>> forms, Set<String> literal,
      List<String> targets, long key) {
    int tried = 0;
    List<String> failures = new ArrayList<>();
    for (Map.Entry<String, Function<String, String>> form : forms.entrySet()) {
      String first = null;
      for (String target : targets) {
        String uri = form.getValue().apply(target);
        String answer;
        try {
          List<Row> rows = client.table(uri, FeatureTable.KEY_COLUMN).lookup(key, List.of());
          answer = "rows " + rows.size();
        } catch (NeedleException e) {
          boolean expected = REFUSALS.contains(e.code())
              || literal.contains(form.getKey()) && e.code() == NeedleException.Code.NOT_FOUND;
          answer = expected ? e.code() + ": " + e.getMessage().replace(target, "<target>")
              : "unexpected " + e.code() + ": " + e.getMessage();
        } catch (RuntimeException e) {
          answer = "unexpected " + e;
        }
        tried++;
        boolean foundNothing = literal.contains(form.getKey()) && (answer.equals("rows 0") || answer.startsWith("NOT_FOUND"));
        if (!answer.startsWith("PERMISSION_DENIED") && !answer.startsWith("INVALID_ARGUMENT") && !foundNothing) {
          failures.add(form.getKey() + " -> " + target + ": " + answer);
        }
        String code = answer.split(":", 2)[0];
        if (first == null) {
          first = code;
        } else if (!first.equals(code)) {
          failures.add(form.getKey() + ": " + targets.get(0) + " answered " + first + " but " + target + " " + code);
        }
      }
    }
    assertThat(failures).as("payloads not refused alike").isEmpty();
    return tried;
  }

  /**
   * A request line of the proxy's log ("GET /bucket/key?query HTTP/1.1 ...") that reads only
   * under the allowed prefix: an object key under it, or a listing whose prefix is under it.
   */
  private static boolean insideAllowed(String requestLine) {
    String target = requestLine.split(" ")[1];
    int q = target.indexOf('?');
    String path = URLDecoder.decode(q < 0 ? target : target.substring(0, q), StandardCharsets.UTF_8);
    String bucketPath = "/" + S3Fixture.BUCKET;
    if (path.startsWith(bucketPath + "/" + ALLOWED + "/")) {
      return !path.contains("/../") && !path.contains("/./");
    }
    if ((path.equals(bucketPath) || path.equals(bucketPath + "/")) && q >= 0) {
      for (String param : target.substring(q + 1).split("&")) {
        if (param.startsWith("prefix=")) {
          String prefix = URLDecoder.decode(param.substring("prefix=".length()), StandardCharsets.UTF_8);
          return prefix.startsWith(ALLOWED + "/") && !prefix.contains("/../");
        }
      }
    }
    return false;
  }

  private static void awaitRead(ConcurrentLinkedQueue<String> reads, String prefix) throws InterruptedException {
    io.needle.testsupport.Eventually.holds("a file read under " + prefix + " recorded by JFR", Duration.ofSeconds(60),
        () -> reads.stream().anyMatch(p -> p.startsWith(prefix)));
  }

  private static Worker worker(S3Config s3Config) throws Exception {
    return S3Fixture.worker(WorkerConfig.defaults("127.0.0.1", 0, List.of(root)), dir, s3Config);
  }

  private static NeedleClient client(Worker worker) {
    return NeedleClient.builder().workers(List.of("127.0.0.1:" + worker.address().getPort()))
        .requestTimeout(Duration.ofSeconds(30)).build();
  }

  private static void assertRow(long key, List<Row> rows) {
    assertThat(rows).as("key %d", key).hasSize(1);
    FeatureRow want = generator.expected(key);
    for (Map.Entry<String, Object> column : want.asMap().entrySet()) {
      assertThat(rows.get(0).get(column.getKey())).as("key %d column %s", key, column.getKey()).isEqualTo(column.getValue());
    }
  }
}
