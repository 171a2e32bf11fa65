package io.needle.worker;

import io.needle.protocol.proto.ErrorCode;
import io.needle.testsupport.SeededRuns;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The URI canonicalizer (T13 target 3, T22) as a property: for any table URI built from the
 * pieces attacks are made of (traversal in every encoding, links out of and into the root,
 * hidden names, other schemes, hosts, queries, NUL, backslashes, look-alikes, over-long names),
 * {@link TableScope#resolve} either returns a real path inside the root with no hidden name below
 * it, or refuses with a typed error; and it reveals existence (NOT_FOUND) only inside the root.
 * Seeded inputs ({@link SeededRuns}: a failure names its seed). A short run by default, a long one
 * under {@code -Dsoak}.
 */
class TableScopeFuzzTest {
  static Path tmp;
  static Path root;
  static TableScope scope;

  @BeforeAll
  static void layout() throws Exception {
    tmp = Files.createTempDirectory("scope-fuzz").toRealPath();
    root = Files.createDirectories(tmp.resolve("root"));
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    Files.createDirectories(root.resolve("t").resolve("sub"));
    Files.createDirectories(root.resolve("_hidden"));
    Files.writeString(root.resolve("t").resolve("a.parquet"), "x");
    Files.writeString(root.resolve(".dot.parquet"), "x");
    Files.writeString(outside.resolve("secret.parquet"), "x");
    Files.createSymbolicLink(root.resolve("out"), outside);
    Files.createSymbolicLink(root.resolve("in"), root.resolve("t"));
    Files.createSymbolicLink(root.resolve("t").resolve("up"), root.resolve(".."));
    scope = new TableScope(List.of(root));
  }

  @AfterAll
  static void clean() throws Exception {
    try (Stream<Path> files = Files.walk(tmp)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static final List<String> SEGMENTS = List.of("..", ".", "", "t", "sub", "a.parquet", "_hidden",
      ".dot.parquet", "out", "in", "up", "secret.parquet", "outside", "root", "%2e%2e", "%2E%2E", "%252e%252e",
      "..%2f..", "%2F", "..\\..", "t\\..", "\u2025", "\uff0e\uff0e", "t\0", "a.parquet?versionId=1", "t#x", "t\n..",
      "%00", "~", "*");

  /** A prefix (root, file: spellings, other schemes, hosts, the parent) and up to 8 segments. */
  static String tableUri(SplittableRandom r) {
    List<String> prefixes = List.of(root.toString(), "file://" + root, "file:" + root, "file://host" + root,
        "file:///", "/", "", "s3://bucket/", "http://x" + root, "/proc/self/root" + root, tmp.toString(),
        "file://" + tmp, "\\\\server\\share", "FILE://" + root);
    List<String> segments = new ArrayList<>();
    for (int n = r.nextInt(9); n > 0; n--) {
      segments.add(switch (r.nextInt(3)) {
        case 0 -> SEGMENTS.get(r.nextInt(SEGMENTS.size()));
        case 1 -> chars(r, r.nextInt(9), " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~");
        default -> chars(r, 200 + r.nextInt(901), "a./");
      });
    }
    String prefix = prefixes.get(r.nextInt(prefixes.size()));
    return prefix + (segments.isEmpty() ? "" : "/" + String.join("/", segments));
  }

  private static String chars(SplittableRandom r, int length, String alphabet) {
    StringBuilder b = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      b.append(alphabet.charAt(r.nextInt(alphabet.length())));
    }
    return b.toString();
  }

  @Test
  void resolvesInsideTheRootOrRefusesTyped() {
    SeededRuns.run(1_000, r -> check(tableUri(r)));
  }

  @Test
  @Tag("soak")
  void resolvesInsideTheRootOrRefusesTypedLong() {
    SeededRuns.run(300_000, r -> check(tableUri(r)));
  }

  static void check(String uri) {
    try {
      Path resolved = scope.resolve(uri);
      assertThat(resolved).as(uri).startsWith(root);
      assertThat(resolved).as(uri).isEqualTo(resolved.toRealPath());
      for (Path name : root.relativize(resolved)) {
        assertThat(TableScope.isHidden(name)).as("%s resolved to hidden %s", uri, resolved).isFalse();
      }
    } catch (ServiceException e) {
      assertThat(e.code()).as(uri).isIn(Set.of(ErrorCode.INVALID_ARGUMENT, ErrorCode.PERMISSION_DENIED, ErrorCode.NOT_FOUND));
      assertThat(e.getMessage()).as(uri).doesNotContain("\n").doesNotContain("\0");
      if (e.code() == ErrorCode.NOT_FOUND) {
        assertThat(e.getMessage()).as("existence revealed outside the root: %s", uri).doesNotContain(tmp + "/outside");
      }
    } catch (java.io.IOException e) {
      throw new AssertionError(uri, e);
    }
  }
}
