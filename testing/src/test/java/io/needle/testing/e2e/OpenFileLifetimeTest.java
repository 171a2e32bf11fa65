package io.needle.testing.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.needle.bench.gen.FeatureRow;
import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.client.Row;
import io.needle.client.Table;
import io.needle.worker.WorkerConfig;
import io.needle.worker.WorkerConfig.Transport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Open file versions must live exactly as long as something may still read or send from them:
 * small page spans are copied out of the pinned version into the answer (from its memory map on
 * Java 22+, by pread before), large ones leave by sendfile from it. Answers stay right while open files are evicted between and during lookups
 * (one open file allowed, lookups across three files, several in flight), and no descriptor (nor
 * any map) of a table file outlives its eviction or the worker.
 *
 * <p>The oracle is the generator's key-derived rows; the kernel's own views of the process
 * ({@code /proc/self/maps} and {@code /proc/self/fd}) tell what is still mapped and open.
 */
class OpenFileLifetimeTest {
  private static final long ROWS = 20_000;
  private static Path dir;
  private static FeatureTable generator;

  @BeforeAll
  static void generate() throws IOException {
    dir = Files.createTempDirectory("needle-mapped-");
    generator = new FeatureTable(GenOptions.defaults(ROWS, 3));
    generator.write(dir);
  }

  @AfterAll
  static void cleanUp() throws Exception {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
    LeakRecorder.assertNoLeaks();
  }

  @ParameterizedTest
  @EnumSource(value = Transport.class, names = {"EPOLL", "NIO"})
  void answersStayRightWhileOpenFilesComeAndGo(Transport transport) throws Exception {
    WorkerConfig config = WorkerConfig.defaults("127.0.0.1", 0, List.of(dir)).withOpenFiles(1, transport);
    try (Loopback loopback = Loopback.serve(config)) {
      Table table = loopback.table(dir, FeatureTable.KEY_COLUMN);
      SplittableRandom random = new SplittableRandom(7);
      for (int round = 0; round < 60; round++) {
        List<Object> keys = new java.util.ArrayList<>();
        for (int i = 0; i < 8; i++) { // keys of every file in one call: the lone open file is evicted mid-answer
          keys.add(generator.keyAt(random.nextLong(ROWS)));
        }
        var async = table.lookupAllAsync(keys, FeatureRow.COLUMNS);
        var single = table.lookup(keys.get(0), FeatureRow.COLUMNS);
        assertThat(single).hasSize(1);
        assertMatches(single.get(0), (Long) keys.get(0));
        for (var entry : async.get().entrySet()) {
          assertThat(entry.getValue()).hasSize(1);
          assertMatches(entry.getValue().get(0), (Long) entry.getKey());
        }
      }
      // The last answer's files are released right after its last write, which may be a moment
      // after the client has read it: poll, within a bound.
      long deadline = System.nanoTime() + 5_000_000_000L;
      while ((tableFilesMapped() > 1 || tableFilesOpen() > 1) && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(tableFilesMapped()).as("maps of table files while one open file is allowed").isLessThanOrEqualTo(1);
      if (Runtime.version().feature() >= 22) {
        // The multi-release worker jar copies spans from a map on Java 22+: the open file has one.
        assertThat(tableFilesMapped()).as("the open file's map (Java %d)", Runtime.version().feature()).isEqualTo(1);
      }
      assertThat(tableFilesOpen()).as("descriptors of table files while one open file is allowed")
          .isLessThanOrEqualTo(1);
    }
    assertThat(tableFilesMapped()).as("maps of table files after the worker closed").isZero();
    assertThat(tableFilesOpen()).as("descriptors of table files after the worker closed").isZero();
  }

  private static void assertMatches(Row row, long key) {
    FeatureRow expected = generator.expected(key);
    var values = expected.asMap();
    for (int i = 0; i < row.size(); i++) {
      assertThat(row.get(i)).as("key %d column %s", key, row.name(i)).isEqualTo(values.get(row.name(i)));
    }
  }

  private static long tableFilesMapped() throws IOException {
    String root = dir.toRealPath().toString();
    try (Stream<String> lines = Files.lines(Path.of("/proc/self/maps"))) {
      return lines.filter(l -> l.contains(root)).map(l -> l.substring(l.indexOf('/'))).distinct().count();
    }
  }

  private static long tableFilesOpen() throws IOException {
    String root = dir.toRealPath().toString();
    long n = 0;
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : fds.toList()) {
        try {
          if (Files.readSymbolicLink(fd).toString().startsWith(root)) {
            n++;
          }
        } catch (IOException closedMeanwhile) {
          // the listing's own descriptor, or one closed since: not a table file
        }
      }
    }
    return n;
  }
}
