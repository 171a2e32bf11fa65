package io.needle.client;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class RetryThrottleTest {
  /** Retries stay within half the tokens plus the ratio of successes, at any failure rate. */
  @Test
  void retriesStayWithinHalfTheTokensPlusTheEarnedShareAtAnyFailureRate() {
    for (double failureRate : new double[] {0.05, 0.3, 0.5, 0.9, 1.0}) {
      RetryThrottle throttle = new RetryThrottle(0.2, 20);
      SplittableRandom random = new SplittableRandom(7);
      int successes = 0;
      int retries = 0;
      for (int call = 0; call < 10_000; call++) {
        boolean again = true;
        while (again) {
          again = false;
          if (random.nextDouble() < failureRate) {
            throttle.failed();
            if (throttle.allowsRetry()) {
              retries++;
              again = true;
            }
          } else {
            throttle.succeeded();
            successes++;
          }
        }
      }
      assertThat(retries).as("retries at %.0f%% failures", failureRate * 100).isLessThanOrEqualTo((int) (10 + 0.2 * successes + 1));
      if (failureRate <= 0.05) {
        assertThat(retries).as("a healthy client keeps its retries").isGreaterThan(300);
      }
      if (failureRate == 1.0) {
        assertThat(retries).as("an outage stops retries after the first ten").isEqualTo(9);
      }
    }
  }

  /** Backoff is jittered over its whole range (so clients do not retry in step) and doubles. */
  @Test
  void backoffIsSpreadOverItsRangeAndDoubles() {
    CallPolicy policy = new CallPolicy(Duration.ofSeconds(10), null, null, 0, 0.2, 0.1, new Counters());
    long deadline = System.nanoTime() + Duration.ofSeconds(100).toNanos();
    int[] quarters = new int[4];
    long ceiling = Duration.ofMillis(10).toNanos();
    for (int i = 0; i < 4_000; i++) {
      long first = policy.backoffNanos(1, deadline);
      assertThat(first).isBetween(0L, ceiling);
      quarters[(int) Math.min(3, first * 4 / ceiling)]++;
      assertThat(policy.backoffNanos(3, deadline)).isBetween(0L, 4 * ceiling);
    }
    for (int q : quarters) {
      assertThat(q).as("each quarter of the range gets its share of 4,000 draws").isGreaterThan(700);
    }
    assertThat(policy.backoffNanos(1, System.nanoTime() - 1)).as("no wait past the deadline").isZero();
  }
}
