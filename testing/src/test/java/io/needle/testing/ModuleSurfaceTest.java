package io.needle.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.needle.bench.BenchRunner;
import io.needle.cli.Main;
import io.needle.embedded.NeedleEmbedded;
import io.needle.metadata.MetadataCache;
import io.needle.pagestore.PageStore;
import io.needle.worker.Worker;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.module.ModuleDescriptor;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The module surfaces the build enforces where a {@code module-info} cannot. parquet-java's jars
 * split packages ({@code org.apache.parquet} and {@code org.apache.parquet.io} between
 * parquet-common and parquet-column, {@code ...column.values.bitpacking} between parquet-column and
 * parquet-encoding; apache/parquet-java#2608), so a module that reads two of them cannot be named:
 * javac refuses "reads package org.apache.parquet from both". The worker reads both (parquet-common's
 * {@code VersionParser}, parquet-column's readers), and embedded, bench and cli stand on the worker.
 * page-store and metadata-cache do carry a module-info; their exports are read from it.
 *
 * <p>jdeps lists the Needle packages each module's classes use; every one that belongs to another
 * module here must be exported to it, as that module's module-info would say ({@link #DECLARED}).
 */
class ModuleSurfaceTest {
  /** Every consumer may use the package. */
  private static final Set<String> EVERYONE = Set.of();

  /** The exports of the modules without a module-info: package, then the modules it is exported to. */
  private static final Map<String, Map<String, Set<String>>> DECLARED = Map.of(
      "worker", Map.of(
          "io.needle.worker", EVERYONE,
          "io.needle.worker.http", EVERYONE,
          "io.needle.worker.hooks", Set.of("bench", "testing")), // test hooks: the hedging benchmark and the tests
      "embedded", Map.of("io.needle.embedded", EVERYONE),
      "cli", Map.of("io.needle.cli", EVERYONE));

  private static final Pattern EDGE = Pattern.compile("^\\s+(\\S+)\\s+->\\s+(io\\.needle\\.\\S+)\\s");

  @Test
  void everyModuleUsesOnlyWhatTheOthersExportToIt() throws Exception {
    Map<String, Path> modules = new LinkedHashMap<>();
    modules.put("page-store", location(PageStore.class));
    modules.put("metadata-cache", location(MetadataCache.class));
    modules.put("worker", location(Worker.class));
    modules.put("embedded", location(NeedleEmbedded.class));
    modules.put("bench", location(BenchRunner.class));
    modules.put("cli", location(Main.class));
    modules.put("testing", location(ParquetOracle.class));

    Map<String, String> ownerOfPackage = new LinkedHashMap<>();
    Map<String, Map<String, Set<String>>> exports = new LinkedHashMap<>(DECLARED);
    for (Map.Entry<String, Path> m : modules.entrySet()) {
      for (String pkg : readRoot(m.getValue(), ModuleSurfaceTest::packagesUnder)) {
        ownerOfPackage.put(pkg, m.getKey());
      }
      ModuleDescriptor descriptor = readRoot(m.getValue(), ModuleSurfaceTest::descriptorUnder);
      if (descriptor != null) {
        Map<String, Set<String>> byPackage = new LinkedHashMap<>();
        for (ModuleDescriptor.Exports e : descriptor.exports()) {
          assertThat(e.isQualified()).as("%s qualifies an export; map its module names here", m.getKey()).isFalse();
          byPackage.put(e.source(), EVERYONE);
        }
        exports.put(m.getKey(), byPackage);
      }
    }
    assertThat(exports.keySet()).as("modules whose exports are known").containsAll(
        List.of("page-store", "metadata-cache", "worker", "embedded", "cli"));

    List<String> violations = new ArrayList<>();
    Set<String> seen = new TreeSet<>();
    for (Map.Entry<String, Path> consumer : modules.entrySet()) {
      if (readRoot(consumer.getValue(), ModuleSurfaceTest::descriptorUnder) != null) {
        continue; // a named module: javac lets it read only what it requires and others export
      }
      for (String used : usedNeedlePackages(consumer.getValue())) {
        String owner = ownerOfPackage.get(used);
        if (owner == null || owner.equals(consumer.getKey()) || !exports.containsKey(owner)) {
          continue; // its own package, or a module outside this check (protocol, decode, client: their module-info)
        }
        seen.add(consumer.getKey() + " -> " + used);
        Set<String> to = exports.get(owner).get(used);
        if (to == null || (!to.isEmpty() && !to.contains(consumer.getKey()))) {
          violations.add(consumer.getKey() + " uses " + used + ", which " + owner + " does not export to it");
        }
      }
    }
    assertThat(seen).as("jdeps saw the known uses (else this check reads nothing)")
        .contains("cli -> io.needle.worker", "cli -> io.needle.worker.http", "bench -> io.needle.worker.hooks",
            "embedded -> io.needle.worker");
    assertThat(violations).isEmpty();
  }

  private static Path location(Class<?> type) throws URISyntaxException {
    return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
  }

  /** The Needle packages the classes at {@code location} refer to, by jdeps. */
  private static Set<String> usedNeedlePackages(Path location) {
    ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow(() -> new AssertionError("no jdeps in this JDK"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = jdeps.run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
        "--multi-release", "21", "-verbose:package", "-e", "io\\.needle\\..*", location.toString());
    assertThat(exit).as("jdeps on %s: %s%s", location, out.toString(StandardCharsets.UTF_8),
        err.toString(StandardCharsets.UTF_8)).isZero();
    Set<String> used = new TreeSet<>();
    for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
      Matcher m = EDGE.matcher(line);
      if (m.find()) {
        used.add(m.group(2));
      }
    }
    return used;
  }

  private interface Reading<T> {
    T read(Path root) throws IOException;
  }

  /** Reads the classes at {@code location}, a classes directory or a jar, from their root. */
  private static <T> T readRoot(Path location, Reading<T> reading) throws IOException {
    if (Files.isDirectory(location)) {
      return reading.read(location);
    }
    try (FileSystem jar = FileSystems.newFileSystem(location)) {
      return reading.read(jar.getPath("/"));
    }
  }

  /** The Needle packages holding classes under {@code root} (not the multi-release versions). */
  private static Set<String> packagesUnder(Path root) throws IOException {
    Set<String> out = new TreeSet<>();
    try (Stream<Path> files = Files.walk(root)) {
      files.filter(f -> f.toString().endsWith(".class") && !f.getFileName().toString().equals("module-info.class"))
          .map(f -> root.relativize(f.getParent()).toString().replace('/', '.'))
          .filter(p -> p.startsWith("io.needle"))
          .forEach(out::add);
    }
    return out;
  }

  /** The module descriptor under {@code root}, or null when there is none. */
  private static ModuleDescriptor descriptorUnder(Path root) throws IOException {
    Path info = root.resolve("module-info.class");
    if (!Files.exists(info)) {
      return null;
    }
    try (InputStream in = Files.newInputStream(info)) {
      return ModuleDescriptor.read(in);
    }
  }
}
