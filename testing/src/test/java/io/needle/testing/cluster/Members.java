package io.needle.testing.cluster;

import io.needle.client.NeedleClient;
import io.needle.testsupport.Eventually;
import java.time.Duration;
import java.util.Collection;

/**
 * Waits for a client's membership to hold the workers a test routes to. A client's first look can
 * miss a worker whose health call answers late on a loaded machine (a later refresh adds it); a
 * test that kills, slows or counts owners among "all" workers must not start before they are all
 * members, or its files go to a smaller membership than it reasons about.
 */
final class Members {
  private static final Duration GIVE_UP = Duration.ofSeconds(60);

  private Members() {}

  /** Waits (bounded) until the client has {@code count} live workers. */
  static void awaitCount(NeedleClient client, int count) throws InterruptedException {
    Eventually.holds(count + " workers in the client's membership", GIVE_UP,
        () -> client.liveWorkers().size() >= count);
  }

  /** Waits (bounded) until {@code names} are all among the client's live workers. */
  static void awaitLive(NeedleClient client, Collection<String> names) throws InterruptedException {
    Eventually.holds(names + " in the client's membership", GIVE_UP,
        () -> client.liveWorkers().containsAll(names));
  }
}
