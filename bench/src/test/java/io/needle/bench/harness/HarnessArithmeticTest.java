package io.needle.bench.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.List;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** The harness's own arithmetic, against values computed by hand in the comments. */
class HarnessArithmeticTest {

  @Test
  void mergedHistogramHoldsEveryValueOfItsParts() {
    Histogram a = Histograms.newNanos();
    Histogram b = Histograms.newNanos();
    // a: 1..50 µs, b: 51..100 µs (in ns). Merged: 1..100 µs, one value each.
    for (int us = 1; us <= 50; us++) {
      a.recordValue(us * 1000L);
    }
    for (int us = 51; us <= 100; us++) {
      b.recordValue(us * 1000L);
    }
    Histogram m = Histograms.merge(List.of(a, b));
    assertThat(m.getTotalCount()).isEqualTo(100);
    // The 50th of 100 sorted values is 50 µs; the 99th is 99 µs; max 100 µs.
    // Three significant digits: each within 0.1 %.
    assertThat(m.getValueAtPercentile(50)).isCloseTo(50_000L, within(50L));
    assertThat(m.getValueAtPercentile(99)).isCloseTo(99_000L, within(99L));
    assertThat(m.getMaxValue()).isCloseTo(100_000L, within(100L));
    // Parts untouched.
    assertThat(a.getTotalCount()).isEqualTo(50);
    assertThat(b.getMaxValue()).isCloseTo(100_000L, within(100L));
  }

  @Test
  void mergeOfNothingIsEmpty() {
    assertThat(Histograms.merge(List.of()).getTotalCount()).isZero();
  }

  @Test
  void recordClampsOutliersIntoTheTrackableRange() {
    Histogram h = Histograms.newNanos();
    Histograms.record(h, -5); // a clock step backwards
    Histograms.record(h, Long.MAX_VALUE);
    assertThat(h.getTotalCount()).isEqualTo(2);
    assertThat(h.getMinValue()).isEqualTo(1);
    assertThat(h.getMaxValue()).isGreaterThanOrEqualTo(Histograms.HIGHEST_TRACKABLE_NANOS);
  }

  @Test
  void statsReportMicrosecondsAndCallsPerSecond() {
    Histogram h = Histograms.newNanos();
    for (int i = 1; i <= 1000; i++) {
      h.recordValue(i * 1000L); // 1..1000 µs
    }
    // 1000 calls in 0.5 s = 2000 calls/s; p90 = 900 µs; p99.9 = 999 µs.
    LatencyStats s = LatencyStats.of(h, 500_000_000L);
    assertThat(s.lookups()).isEqualTo(1000);
    assertThat(s.throughputPerSecond()).isEqualTo(2000.0);
    assertThat(s.p50Micros()).isCloseTo(500.0, within(0.5));
    assertThat(s.p90Micros()).isCloseTo(900.0, within(0.9));
    assertThat(s.p999Micros()).isCloseTo(999.0, within(1.0));
    assertThat(s.maxMicros()).isCloseTo(1000.0, within(1.0));
    assertThatThrownBy(() -> LatencyStats.of(h, 0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("0");
  }

  @Test
  void ratiosAreBaselineOverNeedleForLatencyAndNeedleOverBaselineForThroughput() {
    // Needle 50 µs vs a 150 ms baseline: 150000 / 50 = 3000x.
    assertThat(Ratios.latencySpeedup(50, 150_000)).isEqualTo(3000.0);
    // Needle 80 µs vs Redis 40 µs: 0.5x (Needle is slower).
    assertThat(Ratios.latencySpeedup(80, 40)).isEqualTo(0.5);
    // 30000/s vs 10/s: 3000x.
    assertThat(Ratios.throughputGain(30_000, 10)).isEqualTo(3000.0);
    assertThat(Ratios.latencySpeedup(0, 10)).isNaN();
    assertThat(Ratios.latencySpeedup(10, Double.NaN)).isNaN();
    assertThat(Ratios.format(3000.0)).isEqualTo("3,000x");
    assertThat(Ratios.format(12.34)).isEqualTo("12.3x");
    assertThat(Ratios.format(0.5)).isEqualTo("0.50x");
    assertThat(Ratios.format(Double.NaN)).isEqualTo("n/a");
    // In words, always a factor of at least 1: Needle at 80 us against Redis at 6 us is 13x slower.
    assertThat(Ratios.inWords(Ratios.latencySpeedup(80, 6), "faster", "slower")).isEqualTo("13.3x slower");
    assertThat(Ratios.inWords(Ratios.latencySpeedup(6, 29), "faster", "slower")).isEqualTo("4.83x faster");
    assertThat(Ratios.inWords(Double.NaN, "faster", "slower")).isEqualTo("n/a");
  }

  @Test
  void openLoopChargesEachCallFromItsIntendedStart() {
    // 1000 calls/s: one every 1 ms from t = 10 ms.
    OpenLoopSchedule s = OpenLoopSchedule.ofRate(10_000_000L, 1000);
    assertThat(s.intervalNanos()).isEqualTo(1_000_000L);
    assertThat(s.intendedStartNanos(0)).isEqualTo(10_000_000L);
    assertThat(s.intendedStartNanos(3)).isEqualTo(13_000_000L);
    // Call 0 stalls for 5 ms (ends at 15 ms). Calls 1..4 were due at 11..14 ms; one caller sends
    // them back to back from 15 ms, 0.1 ms each, ending at 15.1, 15.2, 15.3, 15.4 ms. A closed
    // loop would record 5, 0.1, 0.1, 0.1, 0.1 ms; the corrected latencies are 5 ms, then
    // 15.1 - 11 = 4.1, 15.2 - 12 = 3.2, 15.3 - 13 = 2.3 and 15.4 - 14 = 1.4 ms.
    assertThat(s.correctedLatencyNanos(0, 15_000_000L)).isEqualTo(5_000_000L);
    long end = 15_000_000L;
    long[] expected = {4_100_000L, 3_200_000L, 2_300_000L, 1_400_000L};
    for (int i = 1; i <= 4; i++) {
      end += 100_000L;
      assertThat(s.correctedLatencyNanos(i, end)).isEqualTo(expected[i - 1]);
    }
  }

  @Test
  void correctedHistogramMatchesHdrHistogramsOwnCorrection() {
    // HdrHistogram's recordValueWithExpectedInterval back-fills the calls a stall hid, which for
    // a single stalled call of 5 ms at a 1 ms interval gives 5, 4, 3, 2, 1 ms: the same total
    // wait as charging the queued calls from their intended starts (minus their own 0.1 ms).
    Histogram hdr = Histograms.newNanos();
    hdr.recordValueWithExpectedInterval(5_000_000L, 1_000_000L);
    assertThat(hdr.getTotalCount()).isEqualTo(5);
    assertThat(hdr.getMean()).isCloseTo(3_000_000.0, within(3_000.0));
    OpenLoopSchedule s = new OpenLoopSchedule(0, 1_000_000L);
    Histogram ours = Histograms.newNanos();
    ours.recordValue(s.correctedLatencyNanos(0, 5_000_000L));
    for (int i = 1; i <= 4; i++) {
      ours.recordValue(s.correctedLatencyNanos(i, 5_000_000L)); // all sent and answered at 5 ms
    }
    assertThat(ours.getMean()).isCloseTo(hdr.getMean(), within(10_000.0));
  }

  @Test
  void openLoopRejectsNonPositiveRates() {
    assertThatThrownBy(() -> OpenLoopSchedule.ofRate(0, 0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("0.0");
    assertThatThrownBy(() -> OpenLoopSchedule.ofRate(0, Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new LoadPlan(0, 1, Duration.ofSeconds(1), 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("callers");
  }

  @Test
  void zipfRankPermutationVisitsEveryRowOnce() {
    for (long rows : new long[] {1, 7, 100, 1000, 2_147_483_647L * 0 + 999_983}) {
      if (rows > 100_000) {
        continue;
      }
      boolean[] seen = new boolean[(int) rows];
      for (long r = 0; r < rows; r++) {
        int row = (int) KeyPlan.rankToRow(r, rows);
        assertThat(seen[row]).as("row %d of %d seen twice", row, rows).isFalse();
        seen[row] = true;
      }
    }
  }

  @Test
  void batchKeysAreDistinctAndZipfFavoursTheHeadRanks() {
    Object[][] batches = KeyPlan.draw(1000, 50, 100, KeyDistribution.ZIPF, 7, row -> row);
    for (Object[] b : batches) {
      assertThat(java.util.Arrays.stream(b).distinct().count()).isEqualTo(100);
    }
    // Rank 0 maps to row 0. Under Zipf(0.99) over 1000 ranks, P(rank 0) = 1 / H(1000, 0.99)
    // ~= 1 / 7.7 ~= 0.13; under uniform it is 0.001.
    Object[][] singles = KeyPlan.draw(1000, 20_000, 1, KeyDistribution.ZIPF, 7, row -> row);
    long zeros = java.util.Arrays.stream(singles).filter(k -> k[0].equals(0L)).count();
    assertThat(zeros / 20_000.0).isBetween(0.10, 0.16);
  }
}
