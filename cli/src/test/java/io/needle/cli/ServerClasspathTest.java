package io.needle.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.jar.JarFile;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The server artifact ships only what it runs: its runtime classpath (written by the build,
 * maven-dependency-plugin build-classpath, runtime scope) holds none of the benchmark's libraries
 * and no benchmark class.
 */
class ServerClasspathTest {
  private static final List<String> BANNED = List.of("duckdb", "jedis", "jmh-", "hadoop", "needle-bench", "xchart",
      "commons-math3");

  @Test
  void runtimeClasspathHoldsNoBenchmarkLibrary() throws IOException {
    List<Path> entries = runtimeClasspath();
    assertThat(entries).as("the build wrote the runtime classpath").isNotEmpty();
    assertThat(entries).extracting(p -> p.getFileName().toString())
        .as("worker, client and Netty are on it").anyMatch(n -> n.startsWith("needle-worker"))
        .anyMatch(n -> n.startsWith("needle-client")).anyMatch(n -> n.startsWith("netty-transport"));
    for (Path entry : entries) {
      String name = entry.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
      assertThat(BANNED).as("banned library on the server classpath: " + entry).noneMatch(name::contains);
    }
  }

  @Test
  void noBenchmarkClassOnTheRuntimeClasspath() throws IOException {
    for (Path entry : runtimeClasspath()) {
      if (Files.isDirectory(entry)) { // a reactor module's target/classes
        try (var walk = Files.walk(entry)) {
          assertThat(walk.map(p -> entry.relativize(p).toString().replace('\\', '/')))
              .as(entry.toString()).noneMatch(ServerClasspathTest::isBenchmarkClass);
        }
      } else {
        try (JarFile jar = new JarFile(entry.toFile())) {
          assertThat(jar.stream().map(e -> e.getName())).as(entry.toString())
              .noneMatch(ServerClasspathTest::isBenchmarkClass);
        }
      }
    }
  }

  private static boolean isBenchmarkClass(String name) {
    return name.startsWith("io/needle/bench") || name.startsWith("org/duckdb/") || name.startsWith("redis/clients/")
        || name.startsWith("org/openjdk/jmh/") || name.startsWith("org/apache/hadoop/");
  }

  private static List<Path> runtimeClasspath() throws IOException {
    String text = Files.readString(Path.of("target", "runtime-classpath.txt"), StandardCharsets.UTF_8).strip();
    return Arrays.stream(text.split(java.io.File.pathSeparator)).filter(s -> !s.isBlank()).map(Path::of).toList();
  }
}
