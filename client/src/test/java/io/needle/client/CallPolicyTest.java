package io.needle.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The budgets as {@link RoutedCall} drives them: extra requests (hedges, retries) earn nothing,
 * only calls do, so the extra load stays within the configured share of calls (T19, T20).
 */
class CallPolicyTest {
  private static final long FAR = TimeUnit.DAYS.toNanos(1);

  @Test
  void hedgesStayWithinTheirShareOfCallsWhenEveryCallWantsOne() {
    Counters counters = new Counters();
    CallPolicy policy = new CallPolicy(Duration.ofSeconds(1), null, Duration.ZERO, 0, 0.1, 0.05, counters);
    int calls = 4_000;
    long start = System.nanoTime();
    for (int i = 0; i < calls; i++) {
      policy.callStarted();
      if (policy.mayHedge()) {
        policy.answeredIn(1_000, true); // both attempts answer: neither may pay for a later hedge
        policy.answeredIn(1_000, true);
      } else {
        policy.answeredIn(1_000, true);
      }
      policy.callSucceeded();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    long hedges = counters.hedges.sum();
    // 5% of calls, the bank of 10 and the trickle of one a second: the budget, and no more
    assertThat((double) hedges).isLessThanOrEqualTo(0.05 * calls + 10 + Math.ceil(seconds) + 1);
    assertThat(hedges).as("the budget is spent, not refused").isGreaterThanOrEqualTo((long) (0.05 * calls));
    assertThat(counters.hedgesDenied.sum()).isEqualTo(calls - hedges);
  }

  @Test
  void retriesAreRefilledOncePerCallNotPerAnsweredAttempt() {
    Counters counters = new Counters();
    double ratio = 0.1;
    CallPolicy policy = new CallPolicy(Duration.ofSeconds(1), null, Duration.ZERO, 0, ratio, 0.05, counters);
    int calls = 1_000;
    int failures = 0;
    for (int i = 0; i < calls; i++) {
      policy.callStarted();
      if (i % 7 == 0) { // one call in seven: more than one refill (0.1 a call) pays for, less than two
        policy.mayRetry(System.nanoTime() + FAR);
        failures++;
      }
      policy.answeredIn(1_000, false); // an attempt answers
      policy.answeredIn(1_000, false); // and so does a hedge of it: still one call
      policy.callSucceeded();
    }
    long retries = counters.retries.sum();
    // RetryThrottle's bound: half its 20 tokens, plus the ratio per successful call, plus one.
    // Earning per answered attempt (0.2 a call here) would have paid for every one of the 143.
    assertThat((double) retries).isLessThanOrEqualTo(20 / 2 + ratio * calls + 1);
    assertThat(retries).as("the bank is spent").isGreaterThanOrEqualTo(20 / 2);
    assertThat(retries + counters.retriesDenied.sum()).isEqualTo(failures);
  }
}
