package io.needle.client;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * Runs {@link OutlierEjection}: {@link #sweep} takes every member's attempts of the interval just
 * ended, ejects the outliers within the maximum share, and lets the ejection multiplier of the
 * members in routing decay. Members come back by themselves when their ejection time passes
 * ({@link Member#isAvailable}).
 *
 * <p>Threading: {@link #sweep} runs on the membership thread only; members count attempts from
 * any thread.
 */
final class OutlierDetector {
  private static final Logger log = LoggerFactory.getLogger(OutlierDetector.class);

  private final OutlierEjection settings;
  private final LongAdder ejections;

  OutlierDetector(OutlierEjection settings, LongAdder ejections) {
    this.settings = settings;
    this.ejections = ejections;
  }

  long intervalNanos() {
    return settings.interval().toNanos();
  }

  void sweep(List<Member> members, long nowNanos) {
    List<Member> judged = new ArrayList<>();
    List<Member.Interval> stats = new ArrayList<>();
    int out = 0;
    for (Member m : members) {
      Member.Interval s = m.takeInterval();
      if (m.isEjected(nowNanos)) {
        out++;
      } else if (s.attempts() >= settings.minRequests()) {
        judged.add(m);
        stats.add(s);
      }
    }
    int maxOut = Math.max(1, members.size() * settings.maxEjectionPercent() / 100);
    double median = medianMeanLatency(stats);
    double minExcess = settings.minLatencyExcess().toNanos();
    for (int i = 0; i < judged.size() && out < maxOut; i++) {
      Member.Interval s = stats.get(i);
      boolean failing = s.failures() * 100 >= (long) settings.failurePercent() * s.attempts();
      double mean = s.meanLatencyNanos();
      boolean slow = judged.size() >= 2 && mean > settings.latencyFactor() * median && mean - median >= minExcess;
      if (failing || slow) {
        Member m = judged.get(i);
        long ejectedFor = m.eject(nowNanos, settings.baseEjectionTime().toNanos(), settings.maxEjectionTime().toNanos());
        out++;
        ejections.increment();
        log.info("worker {} ejected for {} ms: {} of {} attempts failed, mean latency {} ms (median {} ms)", m,
            ejectedFor / 1_000_000, s.failures(), s.attempts(), Math.round(mean / 1e6), Math.round(median / 1e6));
      }
    }
    for (Member m : members) {
      if (!m.isEjected(nowNanos)) {
        m.decayEjections(); // an interval in routing: its next ejection, if any, is a step shorter
      }
    }
  }

  /** The median of the members' mean latencies (the lower middle one of an even count). */
  private static double medianMeanLatency(List<Member.Interval> stats) {
    if (stats.isEmpty()) {
      return 0;
    }
    double[] means = new double[stats.size()];
    for (int i = 0; i < means.length; i++) {
      means[i] = stats.get(i).meanLatencyNanos();
    }
    java.util.Arrays.sort(means);
    return means[(means.length - 1) / 2];
  }
}
