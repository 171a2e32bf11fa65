package io.needle.testing.cluster;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No container engine runs on the build machines, so the Dockerfile is checked by its inputs:
 * it builds the slim server module, every file it copies from the build stage exists after that
 * build (this module depends on cli, so the reactor packages cli first), the entrypoint's class is
 * in the jar it copies, and the libraries it copies hold none of the benchmark's.
 */
class DockerfileInputsTest {
  @Test
  void theImageIsBuiltFromTheSlimServerArtifact() throws IOException {
    Path root = repoRoot();
    String dockerfile = Files.readString(root.resolve("Dockerfile"));
    assertThat(dockerfile).contains("mvn -B -q -DskipTests -pl cli -am package");

    Matcher copy = Pattern.compile("(?m)^COPY --from=build /src/(\\S+) (\\S+)$").matcher(dockerfile);
    List<String> copied = new ArrayList<>();
    while (copy.find()) {
      copied.add(copy.group(1));
    }
    assertThat(copied).as("COPY lines of the runtime stage").hasSizeGreaterThanOrEqualTo(2);
    Path jar = null;
    Path lib = null;
    for (String source : copied) {
      Path p = root.resolve(source);
      assertThat(p).as("COPY source " + source).exists();
      if (source.endsWith(".jar")) {
        jar = p;
      } else if (Files.isDirectory(p)) {
        lib = p;
      }
    }
    assertThat(jar).as("a jar is copied").isNotNull();
    assertThat(lib).as("a library directory is copied").isNotNull();

    Matcher entry = Pattern.compile("(?m)^ENTRYPOINT .*? (io\\.needle\\.[\\w.]+)").matcher(dockerfile);
    assertThat(entry.find()).as("ENTRYPOINT names a main class").isTrue();
    String mainClass = entry.group(1).replace('.', '/') + ".class";
    try (JarFile j = new JarFile(jar.toFile())) {
      assertThat(j.getEntry(mainClass)).as(mainClass + " in " + jar).isNotNull();
    }
    try (var jars = Files.list(lib)) {
      assertThat(jars.map(p -> p.getFileName().toString()))
          .as("the image's libraries").isNotEmpty()
          .noneMatch(n -> n.contains("duckdb") || n.contains("jedis") || n.startsWith("jmh-") || n.contains("hadoop")
              || n.startsWith("needle-bench"));
    }
  }

  private static Path repoRoot() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isRegularFile(p.resolve("Dockerfile"))) {
      p = p.getParent();
    }
    assertThat(p).as("Dockerfile above " + Path.of("").toAbsolutePath()).isNotNull();
    return p;
  }
}
