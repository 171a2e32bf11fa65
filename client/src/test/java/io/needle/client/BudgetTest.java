package io.needle.client;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class BudgetTest {
  @Test
  void extraRequestsStayUnderTheRatioOnceTheBurstIsSpent() {
    Budget budget = new Budget(0.1, 0, 5, 0);
    int granted = 0;
    for (int call = 0; call < 1000; call++) {
      budget.deposit();
      if (budget.tryWithdraw(0)) { // a hedge wanted on every call
        granted++;
      }
    }
    // the initial 5 tokens plus 0.1 per call: at most 105 of 1000 calls get an extra request
    assertThat(granted).isBetween(100, 105);
  }

  @Test
  void aQuietClientStillGetsTheTrickle() {
    Budget budget = new Budget(0, 10, 1, 0);
    long t = 0;
    assertThat(budget.tryWithdraw(t)).isTrue(); // starts full
    assertThat(budget.tryWithdraw(t)).isFalse();
    t += 100_000_000L; // 100 ms at 10 per second: one token
    assertThat(budget.tryWithdraw(t)).isTrue();
    assertThat(budget.tryWithdraw(t)).isFalse();
  }
}
