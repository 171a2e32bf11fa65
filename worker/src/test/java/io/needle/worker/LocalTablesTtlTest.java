package io.needle.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The manifest TTL bounds how stale a listing can be, for a table idle longer than the TTL too.
 * The loader is an executor this test drains by hand, so a background listing runs only when the
 * test says: the listing a request gets is the one the cache hands it, not the winner of a race.
 * (Refresh-after-write alone handed the first request after a quiet spell the old listing,
 * however old, and listed only in the background; KeyIndexLookupTest answered a rewritten file's
 * old rows that way, under load.)
 */
class LocalTablesTtlTest {
  private static final Duration TTL = Duration.ofMillis(200);

  @TempDir
  Path root;

  private final Queue<Runnable> queued = new ArrayDeque<>();
  private final Executor loader = queued::add;

  @Test
  void afterTheTtlARequestGetsTheTableAsItIsNowNotTheOldListing() throws Exception {
    Path table = Files.createDirectories(root.resolve("t"));
    Path file = table.resolve("part-0.parquet");
    Files.write(file, new byte[100]);
    try (LocalTables tables = new LocalTables(new TableScope(List.of(root)),
        WorkerConfig.defaults("127.0.0.1", 0, List.of(root)).withManifestTtl(TTL), loader)) {
      String uri = "file://" + table;
      TableFile before = only(tables.listing(uri));

      // replaced as writers replace files: a new file (another size) renamed over the old one
      Path next = table.resolve(".part-0.parquet.tmp");
      Files.write(next, new byte[200]);
      Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      // Time passing is what is under test, so there is no condition to wait on: the real tables read
      // the system clock (ManifestCacheTest holds the same rule on a clock it drives).
      Thread.sleep(TTL.toMillis() + 50);

      TableFile after = only(tables.listing(uri));
      assertThat(after.version()).as("the first request after the TTL").isNotEqualTo(before.version())
          .isEqualTo(LocalTables.version(file.toRealPath()));
    }
  }

  @Test
  void withinTheTtlAListingAnswersWithoutWaitingForAListing() throws Exception {
    Path table = Files.createDirectories(root.resolve("t"));
    Files.write(table.resolve("part-0.parquet"), new byte[100]);
    try (LocalTables tables = new LocalTables(new TableScope(List.of(root)),
        WorkerConfig.defaults("127.0.0.1", 0, List.of(root)).withManifestTtl(Duration.ofMinutes(10)), loader)) {
      String uri = "file://" + table;
      TableFile listed = only(tables.listing(uri));

      CompletableFuture<TableListing> again = tables.listing(uri);
      assertThat(again).as("answered from the cache, with nothing run on the loader").isCompleted();
      assertThat(again.join().files()).containsExactly(listed);
    }
  }

  /** The listing's one file, running the loader's queued work (listings, background refreshes) first. */
  private TableFile only(CompletableFuture<TableListing> listing) {
    for (Runnable task; !listing.isDone() && (task = queued.poll()) != null; ) {
      task.run();
    }
    assertThat(listing).isCompleted();
    List<TableFile> files = listing.join().files();
    assertThat(files).hasSize(1);
    return files.get(0);
  }
}
