package io.needle.client;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

import static org.assertj.core.api.Assertions.assertThat;

class OutlierDetectorTest {
  private static final long MS = 1_000_000;
  private static final OutlierEjection SETTINGS = OutlierEjection.defaults()
      .withEjectionTimes(Duration.ofSeconds(10), Duration.ofSeconds(25));

  private final LongAdder ejections = new LongAdder();
  private final OutlierDetector detector = new OutlierDetector(SETTINGS, ejections);

  private static List<Member> members(int n) {
    List<Member> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String name = "w" + i;
      out.add(new Member(name, Rendezvous.hash(name), "127.0.0.1:" + (9000 + i), 500 * MS));
    }
    return out;
  }

  /** Each member's attempts of one interval: 20, at {@code latencyMs[i]}, {@code failed[i]} of them failed. */
  private static void interval(List<Member> ms, long[] latencyMs, int[] failed) {
    for (int i = 0; i < ms.size(); i++) {
      for (int a = 0; a < 20; a++) {
        ms.get(i).attemptEnded(latencyMs[i] * MS, a < failed[i]);
      }
    }
  }

  @Test
  void aSlowWorkerIsEjectedForTheBaseTimeAndComesBack() {
    List<Member> ms = members(5);
    long now = System.nanoTime(); // after the members' creation, the clock they start from
    interval(ms, new long[] {20, 25, 200, 18, 22}, new int[5]);
    detector.sweep(ms, now);
    assertThat(ejections.sum()).isEqualTo(1);
    assertThat(ms.get(2).isAvailable(now)).as("the slow one is out").isFalse();
    assertThat(ms.stream().filter(m -> m.isAvailable(now)).count()).isEqualTo(4);
    assertThat(ms.get(2).isAvailable(now + 10_000 * MS - 1)).isFalse();
    assertThat(ms.get(2).isAvailable(now + 10_000 * MS)).as("back after the base ejection time").isTrue();
  }

  @Test
  void ejectionTimeGrowsOnRepeatsUpToTheMaximumAndDecaysInRouting() {
    List<Member> ms = members(5);
    Member slow = ms.get(1);
    long now = System.nanoTime(); // after the members' creation, the clock they start from
    long[] expectedMs = {10_000, 20_000, 25_000};
    for (long expected : expectedMs) {
      interval(ms, new long[] {20, 300, 20, 20, 20}, new int[5]);
      detector.sweep(ms, now);
      assertThat(slow.isAvailable(now + expected * MS - 1)).isFalse();
      assertThat(slow.isAvailable(now + expected * MS)).isTrue();
      now += expected * MS; // back, and slow again at once
    }
    // Three intervals in routing take three steps off: the next ejection is the base time again.
    for (int i = 0; i < 3; i++) {
      interval(ms, new long[] {20, 20, 20, 20, 20}, new int[5]);
      detector.sweep(ms, now);
      now += 1_000 * MS;
    }
    assertThat(slow.isAvailable(now)).isTrue();
    interval(ms, new long[] {20, 300, 20, 20, 20}, new int[5]);
    detector.sweep(ms, now);
    assertThat(slow.isAvailable(now + 10_000 * MS)).isTrue();
    assertThat(ejections.sum()).isEqualTo(4);
  }

  @Test
  void theMaximumEjectionShareHoldsButOneMayAlwaysGo() {
    List<Member> ms = members(5); // 20% of 5: one
    List<Member> two = members(2); // 20% of 2 is 0, yet one may go
    long now = System.nanoTime();
    interval(ms, new long[] {300, 300, 20, 20, 20}, new int[5]);
    detector.sweep(ms, now);
    interval(ms, new long[] {300, 300, 20, 20, 20}, new int[5]);
    detector.sweep(ms, now + 1_000 * MS);
    assertThat(ms.stream().filter(m -> !m.isAvailable(now + 1_000 * MS)).count()).as("workers out").isEqualTo(1);

    interval(two, new long[] {20, 20}, new int[] {0, 15});
    detector.sweep(two, now);
    assertThat(two.get(1).isAvailable(now)).as("75% failed attempts").isFalse();
    assertThat(two.get(0).isAvailable(now)).isTrue();
  }

  @Test
  void aWorkerLikeTheOthersOrWithFewAttemptsStays() {
    List<Member> ms = members(3);
    long now = System.nanoTime();
    interval(ms, new long[] {1, 7, 2}, new int[] {0, 9, 0}); // 3.5 times the median but 5 ms above it; 45% failed
    detector.sweep(ms, now);
    for (int a = 0; a < 5; a++) {
      ms.get(0).attemptEnded(900 * MS, true); // five terrible attempts: under the 10 needed to judge
    }
    detector.sweep(ms, now + 1_000 * MS);
    assertThat(ejections.sum()).isZero();
    assertThat(ms).allMatch(m -> m.isAvailable(now + 1_000 * MS));
  }
}
