package io.needle.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The listing freshness rule on a clock and a loader the test drives by hand: what a request is
 * answered from at each age of the listing, when the source lists and when it fails.
 */
class ManifestCacheTest {
  private static final Duration TTL = Duration.ofSeconds(10);

  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final Queue<Runnable> loader = new ArrayDeque<>();
  private final AtomicInteger listings = new AtomicInteger();
  private volatile boolean sourceDown;
  private final ManifestCache<String> cache = new ManifestCache<>(loader::add, TTL, table -> {
    if (sourceDown) {
      throw new IOException("source unreachable");
    }
    listings.incrementAndGet();
    return new TableListing(List.of(), List.of());
  }, now::get);

  @Test
  void aBusyTableIsAnsweredAtOnceAndListedInTheBackground() {
    TableListing first = settled(cache.get("t"));
    advance(TTL.dividedBy(4));
    assertThat(cache.get("t")).as("a quarter of the TTL old").isCompletedWithValue(first);
    assertThat(loader).as("nothing to list yet").isEmpty();

    advance(TTL.dividedBy(2));
    assertThat(cache.get("t")).as("three quarters old: answered from it at once").isCompletedWithValue(first);
    assertThat(loader).as("a listing started in the background").isNotEmpty();
    runLoader();
    assertThat(listings).hasValue(2);
    assertThat(settled(cache.get("t"))).isNotSameAs(first);
  }

  @Test
  void aListingOlderThanTheTtlIsNeverTheAnswerWhileTheSourceLists() {
    TableListing first = settled(cache.get("t"));
    advance(TTL.plusSeconds(1));
    CompletableFuture<TableListing> next = cache.get("t");
    assertThat(next).as("waits for a listing").isNotDone();
    TableListing fresh = settled(next);
    assertThat(fresh).isNotSameAs(first);
    assertThat(listings).hasValue(2);
  }

  @Test
  void whileTheSourceFailsTheOldListingAnswersAndOnlyTheFirstRequestWaits() {
    TableListing first = settled(cache.get("t"));
    sourceDown = true;
    advance(TTL.plusSeconds(1));
    assertThat(settled(cache.get("t"))).as("the listing failed: the old one").isSameAs(first);

    advance(Duration.ofSeconds(1));
    assertThat(cache.get("t")).as("the failure is recent: answered at once").isCompletedWithValue(first);
    runLoader(); // the background listing fails again
    advance(TTL.plusSeconds(1));
    CompletableFuture<TableListing> later = cache.get("t");
    assertThat(later).as("the failure is a TTL old: try the source again").isNotDone();
    assertThat(settled(later)).isSameAs(first);

    sourceDown = false;
    advance(TTL.plusSeconds(1));
    assertThat(settled(cache.get("t"))).as("the source is back").isNotSameAs(first);
  }

  @Test
  void aTableAskedForLatelyIsListedAheadOfItsRequestsAndAnIdleOneIsNot() {
    TableListing first = settled(cache.get("t"));
    settled(cache.get("idle"));
    advance(ManifestCache.REFRESH_AHEAD_IDLE.plusSeconds(1));
    TableListing beforeIdle = settled(cache.get("t")); // waited: older than the TTL
    assertThat(beforeIdle).isNotSameAs(first);
    int listed = listings.get();

    advance(TTL.dividedBy(4));
    cache.refreshAhead();
    assertThat(loader).as("a quarter of the TTL old: not yet").isEmpty();
    advance(TTL.dividedBy(4));
    cache.refreshAhead();
    runLoader();
    assertThat(listings).as("half the TTL old: listed ahead, the idle table not").hasValue(listed + 1);

    advance(TTL.dividedBy(2).plusSeconds(1)); // older than the TTL since the last request, not since the last listing
    assertThat(cache.get("t")).as("answered at once from the listing made ahead").isDone();
    assertThat(cache.get("t").join()).isNotSameAs(beforeIdle);
  }

  @Test
  void aRelistIsAnsweredFromAtOnce() {
    TableListing first = settled(cache.get("t"));
    TableListing relisted = new TableListing(List.of(), List.of());
    advance(TTL.plusSeconds(1));
    cache.put("t", relisted);
    assertThat(cache.get("t")).isCompletedWithValue(relisted);
    assertThat(relisted).isNotSameAs(first);
  }

  private TableListing settled(CompletableFuture<TableListing> listing) {
    runLoader();
    assertThat(listing).isDone();
    return listing.join();
  }

  private void runLoader() {
    for (Runnable task; (task = loader.poll()) != null; ) {
      task.run();
    }
  }

  private void advance(Duration d) {
    now.addAndGet(d.toNanos());
  }
}
