package io.needle.testing.cluster;

import io.needle.testsupport.LookupLoad;
import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.client.NeedleClient;
import io.needle.client.NeedleException;
import io.needle.client.Table;
import io.needle.testing.e2e.LeakRecorder;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * RELIABILITY.md T21, ring membership churn: scaling 5 → 6 → 4 workers moves only the files of
 * the worker that came or went (measured against the expected 1/N), two clients with different
 * views both get right rows, and a flapping worker causes no churn: the other workers keep their
 * files and take over only the flapping one's, and no lookup fails. Ownership is read from the
 * workers (the file versions each one served), not from the client's routing code.
 */
class ChurnTest {
  private static final int FILES = 120;

  @TempDir
  static Path dir;

  static FeatureTable generator;
  static Path tablePath;
  /** One key in each file, by file index. */
  static long[] keyOfFile = new long[FILES];

  @BeforeAll
  static void generate() throws Exception {
    generator = new FeatureTable(GenOptions.defaults(FILES * 50, FILES));
    tablePath = dir.resolve("churn");
    generator.write(tablePath);
    java.util.Arrays.fill(keyOfFile, -1);
    for (int row = 0; row < FILES * 50; row++) {
      long key = generator.keyAt(row);
      int f = generator.fileOf(key);
      if (keyOfFile[f] < 0) {
        keyOfFile[f] = key;
      }
    }
  }

  @AfterAll
  static void leaks() throws Exception {
    LeakRecorder.assertNoLeaks();
  }

  @Test
  void scalingMovesOnlyTheFilesOfTheWorkerThatCameOrWent() throws Exception {
    List<String> five = names(0, 1, 2, 3, 4);
    List<String> six = names(0, 1, 2, 3, 4, 5);
    List<String> four = names(0, 1, 2, 3);
    Map<String, String> at5 = owners(five);
    Map<String, String> at6 = owners(six);
    Map<String, String> at4 = owners(four);
    List<String> movedUp = moved(at5, at6);
    List<String> movedDown = moved(at6, at4);
    System.out.printf("T21 5->6: %d of %d files moved (%.3f, expected 1/6 = %.3f); 6->4: %d moved (%.3f, expected 2/6 = %.3f)%n",
        movedUp.size(), FILES, movedUp.size() / (double) FILES, 1 / 6.0, movedDown.size(), movedDown.size() / (double) FILES,
        2 / 6.0);
    // Rendezvous: a file moves only to the worker that came, or away from the workers that went.
    assertThat(movedUp).allSatisfy(f -> assertThat(at6.get(f)).isEqualTo("needle-5"));
    assertThat(movedDown).allSatisfy(f -> assertThat(at6.get(f)).isIn("needle-4", "needle-5"));
    assertThat(at6.values().stream().filter("needle-5"::equals).count()).isEqualTo(movedUp.size());
    assertThat(at6.values().stream().filter(o -> o.equals("needle-4") || o.equals("needle-5")).count())
        .isEqualTo(movedDown.size());
    assertThat(movedUp).as("the new worker took some files").isNotEmpty();
  }

  @Test
  void twoClientsWithDifferentViewsBothGetRightRows() throws Exception {
    try (InProcessCluster cluster = InProcessCluster.start(6, dir)) {
      List<String> all = cluster.addresses();
      try (NeedleClient sixView = NeedleClient.builder().workers(all).requestTimeout(Duration.ofSeconds(30)).build();
           NeedleClient fiveView = NeedleClient.builder().workers(all.subList(0, 5)).requestTimeout(Duration.ofSeconds(30))
               .build()) {
        Members.awaitCount(sixView, 6);
        Members.awaitCount(fiveView, 5);
        LookupLoad a = load(sixView.table(tablePath.toUri().toString(), FeatureTable.KEY_COLUMN), 7);
        LookupLoad b = load(fiveView.table(tablePath.toUri().toString(), FeatureTable.KEY_COLUMN), 8);
        a.awaitOk(600);
        b.awaitOk(600);
        a.close();
        b.close();
        long twice = cluster.servedByMoreThanOne().size();
        System.out.printf("T21 two views (5 and 6 workers): %d + %d lookups, %d wrong rows, %d errors; %d files served by two"
            + " workers%n", a.ok(), b.ok(), a.wrong() + b.wrong(), a.failures().size() + b.failures().size(), twice);
        assertThat(a.wrong() + b.wrong()).as("wrong rows").isZero();
        assertThat(a.failures()).isEmpty();
        assertThat(b.failures()).isEmpty();
        // Disagreeing views change only where a file is served, never what comes back.
        assertThat(twice).as("files served by both the 5-view and the 6-view owner").isPositive();
      }
    }
  }

  @Test
  void aFlappingWorkerFailsNoLookupAndMovesNoOtherWorkersFiles() throws Exception {
    flap(6, Duration.ofMillis(700));
  }

  @Test
  @Tag("soak")
  void aWorkerFlappingEveryTwoSecondsForAMinute() throws Exception {
    flap(15, Duration.ofSeconds(2));
  }

  private static void flap(int flaps, Duration every) throws Exception {
    Map<String, String> owners = owners(names(0, 1, 2, 3, 4));
    Map<String, String> withoutFlapper = owners(names(0, 1, 2, 3));
    try (InProcessCluster cluster = InProcessCluster.start(5, dir);
         NeedleClient client = cluster.clientBuilder().membershipRefresh(Duration.ofMillis(200))
             .breakerOpen(Duration.ofMillis(300)).build()) {
      Worker flapper = cluster.workers.get(4);
      int port = flapper.address().getPort();
      Members.awaitCount(client, 5);
      LookupLoad load = load(client.table(tablePath.toUri().toString(), FeatureTable.KEY_COLUMN), 9);
      load.awaitOk(200);
      int restarts = 0;
      try {
        for (int i = 0; i < flaps; i++) {
          flapper.close();
          Thread.sleep(every.toMillis() / 2);
          flapper = Worker.start(WorkerConfig.defaults("127.0.0.1", port, List.of(dir)).withName("needle-4"));
          cluster.workers.set(4, flapper);
          restarts++;
          Thread.sleep(every.toMillis() / 2);
        }
        load.awaitOk(load.ok() + 200);
      } finally {
        load.close();
      }
      // Other workers served their own files, and the flapper's files only where they fail over to.
      Set<String> unexpected = new HashSet<>();
      for (int w = 0; w < 4; w++) {
        String name = "needle-" + w;
        for (String fileVersion : cluster.workers.get(w).servedFileVersions()) {
          String file = fileName(fileVersion);
          if (!name.equals(owners.get(file)) && !name.equals(withoutFlapper.get(file))) {
            unexpected.add(name + " served " + file);
          }
        }
      }
      System.out.printf("T21 flapping needle-4 %d times every %d ms: %d lookups, %d errors, %d wrong rows; "
          + "files served off their owners: %d%n", restarts, every.toMillis(), load.ok(), load.failures().size(),
          load.wrong(), unexpected.size());
      assertThat(load.failures()).as("failed lookups while a worker flaps").isEmpty();
      assertThat(load.wrong()).as("wrong rows").isZero();
      assertThat(unexpected).as("files that moved between steady workers").isEmpty();
    }
  }

  private static List<String> names(int... indexes) {
    List<String> out = new ArrayList<>();
    for (int i : indexes) {
      out.add("needle-" + i);
    }
    return out;
  }

  /** File name to the worker that served it, with fresh workers of these names and one lookup per file. */
  private static Map<String, String> owners(List<String> names) throws Exception {
    List<Worker> workers = new ArrayList<>();
    try {
      List<String> addresses = new ArrayList<>();
      for (String n : names) {
        Worker w = Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(dir)).withName(n));
        workers.add(w);
        addresses.add("127.0.0.1:" + w.address().getPort());
      }
      try (NeedleClient client = NeedleClient.builder().workers(addresses).requestTimeout(Duration.ofSeconds(30)).build()) {
        Members.awaitCount(client, addresses.size());
        Table table = client.table(tablePath.toUri().toString(), FeatureTable.KEY_COLUMN);
        for (long key : keyOfFile) {
          assertThat(GeneratorRows.right(generator, key, table.lookup(key, List.of()))).as("row of %d", key).isTrue();
        }
      }
      Map<String, String> owner = new HashMap<>();
      for (Worker w : workers) {
        for (String fileVersion : w.servedFileVersions()) {
          String previous = owner.put(fileName(fileVersion), w.name());
          assertThat(previous).as("one owner per file: %s", fileVersion).isNull();
        }
      }
      assertThat(owner).as("every file served").hasSize(FILES);
      return owner;
    } finally {
      for (Worker w : workers) {
        w.close();
      }
    }
  }

  private static String fileName(String fileVersion) {
    String path = fileVersion.substring(0, fileVersion.indexOf('\n'));
    return path.substring(path.lastIndexOf('/') + 1);
  }

  private static List<String> moved(Map<String, String> before, Map<String, String> after) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, String> e : before.entrySet()) {
      if (!e.getValue().equals(after.get(e.getKey()))) {
        out.add(e.getKey());
      }
    }
    return out;
  }

  /** Back-to-back lookups of random keys, each checked against the generator's rows. */
  private static LookupLoad load(Table t, long seed) {
    return LookupLoad.start("t21-load", seed, FILES * 50, generator::keyAt, key -> GeneratorRows.right(generator, key, t.lookup(key, List.of())));
  }
}
