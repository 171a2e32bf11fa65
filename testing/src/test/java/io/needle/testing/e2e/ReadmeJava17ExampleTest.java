package io.needle.testing.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.needle.bench.gen.FeatureRow;
import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's Java example, taken from README.md as written, compiled with a JDK 17's javac
 * ({@code --release 17}) and run on that JDK against a real worker serving a {@code needle gen}
 * table: the client must work for applications still on Java 17, and the README must not lie.
 * Expected values come from the generator, which derives every value from the key.
 */
class ReadmeJava17ExampleTest {
  private static final long ROWS = 1_000;

  @TempDir
  static Path dir;

  static Loopback loopback;
  static FeatureTable generator;

  @BeforeAll
  static void serve() throws Exception {
    generator = new FeatureTable(GenOptions.defaults(ROWS, 1));
    generator.write(dir.resolve("users"));
    loopback = Loopback.serve(dir);
  }

  @AfterAll
  static void stop() throws Exception {
    if (loopback != null) {
      loopback.close();
    }
    LeakRecorder.assertNoLeaks();
  }

  @Test
  void theReadmeJavaExampleCompilesAndRunsOnJava17() throws Exception {
    Optional<Path> jdk17 = jdk17();
    assumeThat(jdk17).as("a JDK 17 under /usr/lib/jvm (the build machines' default JDK)").isPresent();

    String snippet = readmeJavaSnippet()
        .replace("127.0.0.1:7070", loopback.address())
        .replace("file:///tmp/users", dir.resolve("users").toUri().toString());
    Path src = dir.resolve("src");
    Files.createDirectories(src);
    Files.writeString(src.resolve("ReadmeExample.java"), """
        import io.needle.client.*;
        import java.util.*;
        import java.util.concurrent.*;

        public class ReadmeExample {
          public static void main(String[] args) throws Exception {
        %s
          }
        }
        """.formatted(snippet));
    // Surefire's class path is a manifest-only jar whose Class-Path lists the test's
    // dependencies; javac and java both follow it.
    String classPath = System.getProperty("java.class.path");
    Path classes = dir.resolve("classes");
    run(jdk17.get().resolve("bin/javac"), "--release", "17", "-proc:none", "-cp", classPath, "-d", classes.toString(),
        src.resolve("ReadmeExample.java").toString());
    String output = run(jdk17.get().resolve("bin/java"), "-cp", classes + java.io.File.pathSeparator + classPath,
        "ReadmeExample").strip();

    FeatureRow row43 = generator.expected(43);
    FeatureRow row49 = generator.expected(49);
    assertThat(generator.contains(43) && generator.contains(46) && generator.contains(49) && !generator.contains(44))
        .as("the README's keys are what it says of a needle gen table").isTrue();
    assertThat(output).isEqualTo(row43.country() + " 46 0 " + row49.score());
  }

  private static String readmeJavaSnippet() throws IOException {
    Path readme = Path.of(System.getProperty("needle.repoRoot", "..")).resolve("README.md");
    String text = Files.readString(readme);
    Matcher m = Pattern.compile("## The Java API.*?```java\\n(.*?)```", Pattern.DOTALL).matcher(text);
    assertThat(m.find()).as("a ```java block under '## The Java API' in %s", readme).isTrue();
    return m.group(1);
  }

  private static Optional<Path> jdk17() throws IOException {
    Path jvms = Path.of("/usr/lib/jvm");
    if (!Files.isDirectory(jvms)) {
      return Optional.empty();
    }
    try (Stream<Path> homes = Files.list(jvms)) {
      for (Path home : homes.sorted().toList()) {
        Path release = home.resolve("release");
        if (Files.isExecutable(home.resolve("bin/javac")) && Files.isRegularFile(release)
            && Files.readString(release).contains("JAVA_VERSION=\"17")) {
          return Optional.of(home);
        }
      }
    }
    return Optional.empty();
  }

  private static String run(Path program, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(program.toString());
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] out = process.getInputStream().readAllBytes();
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("%s finished", program.getFileName()).isTrue();
    String text = new String(out, StandardCharsets.UTF_8);
    assertThat(process.exitValue()).as("%s exit code; output:%n%s", program.getFileName(), text).isZero();
    return text;
  }
}
