package io.needle.worker;

import io.needle.protocol.proto.ErrorCode;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The URI canonicalizer (T13 target 3, T22) as a property: for any table URI built from the
 * pieces attacks are made of (traversal in every encoding, links out of and into the root,
 * hidden names, other schemes, hosts, queries, NUL, backslashes, look-alikes, over-long names),
 * {@link TableScope#resolve} either returns a real path inside the root with no hidden name below
 * it, or refuses with a typed error; and it reveals existence (NOT_FOUND) only inside the root.
 * A short run by default, a long one under {@code -Dsoak}.
 */
class TableScopeFuzzTest {
  static Path tmp;
  static Path root;
  static TableScope scope;

  @BeforeContainer
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

  @AfterContainer
  static void clean() throws Exception {
    try (Stream<Path> files = Files.walk(tmp)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Provide
  Arbitrary<String> tableUris() {
    Arbitrary<String> prefix = Arbitraries.of(root.toString(), "file://" + root, "file:" + root, "file://host" + root,
        "file:///", "/", "", "s3://bucket/", "http://x" + root, "/proc/self/root" + root, tmp.toString(),
        "file://" + tmp, "\\\\server\\share", "FILE://" + root);
    Arbitrary<String> segment = Arbitraries.oneOf(
        Arbitraries.of("..", ".", "", "t", "sub", "a.parquet", "_hidden", ".dot.parquet", "out", "in", "up",
            "secret.parquet", "outside", "root", "%2e%2e", "%2E%2E", "%252e%252e", "..%2f..", "%2F", "..\\..", "t\\..",
            "\u2025", "\uff0e\uff0e", "t\0", "a.parquet?versionId=1", "t#x", "t\n..", "%00", "~", "*"),
        Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(8),
        Arbitraries.strings().withChars('a', '.', '/').ofMinLength(200).ofMaxLength(1_100));
    return segment.list().ofMaxSize(8)
        .flatMap(segments -> prefix.map(p -> p + (segments.isEmpty() ? "" : "/" + String.join("/", segments))));
  }

  @Property(tries = 1_000)
  void resolvesInsideTheRootOrRefusesTyped(@ForAll("tableUris") String uri) {
    check(uri);
  }

  @Property(tries = 300_000)
  @Tag("soak")
  void resolvesInsideTheRootOrRefusesTypedLong(@ForAll("tableUris") String uri) {
    check(uri);
  }

  private static void check(String uri) {
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
