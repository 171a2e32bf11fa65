package io.needle.bench;

import io.needle.bench.harness.KeyCalls;
import io.needle.bench.harness.KeyDistribution;
import io.needle.bench.harness.KeyPlan;
import io.needle.bench.harness.Workload;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One scenario of a bench run: a workload on its table with keys drawn by one distribution, and
 * what the table holds for each call's keys (the rows every system's answer must have).
 */
record Scenario(String label, Workload workload, KeyDistribution distribution, BenchTable table, KeyCalls calls) {
  private static final int DISTINCT_SINGLE_CALLS = 100_000;
  /** Keys drawn for a batch workload in all: 2,000 calls of 100 keys, 200 of 1,000. */
  private static final int DISTINCT_BATCH_KEYS = 200_000;

  /**
   * The scenarios of a run: each workload on its table, once per key distribution (batch and cold
   * workloads: the first distribution only), keys drawn from {@code o.seed()} on.
   */
  static List<Scenario> all(BenchOptions o, Map<Workload, BenchTable> tables) {
    List<Scenario> list = new ArrayList<>();
    long seed = o.seed();
    for (Workload w : o.workloads()) {
      BenchTable t = tables.get(w);
      if (w.keysPerCall() > t.keyCount()) {
        throw new IllegalArgumentException(w.label() + " asks " + w.keysPerCall() + " distinct keys per call; the "
            + t.name() + " has " + t.keyCount());
      }
      List<KeyDistribution> ds = w.keysPerCall() > 1 || w == Workload.COLD
          ? o.distributions().subList(0, 1) : o.distributions();
      for (KeyDistribution d : ds) {
        int calls = w.keysPerCall() > 1 ? DISTINCT_BATCH_KEYS / w.keysPerCall()
            : (int) Math.min(DISTINCT_SINGLE_CALLS, Math.max(o.needlePlan().maxCalls(), o.coldSamples()));
        Object[][] keys = KeyPlan.draw(t.keyCount(), calls, w.keysPerCall(), d, seed++,
            w.keysPresent() ? t::presentKey : t::absentKey);
        list.add(new Scenario(w.label() + "/" + d.label(), w, d, t, expectedRows(t, w, keys)));
      }
    }
    return list;
  }

  /** What the table holds for each call's keys; a present workload with an absent key is a bug here. */
  private static KeyCalls expectedRows(BenchTable table, Workload w, Object[][] keys) {
    int[] expected = new int[keys.length];
    for (int c = 0; c < keys.length; c++) {
      for (Object key : keys[c]) {
        int rows = table.rowsOf(key);
        if ((rows > 0) != w.keysPresent()) {
          throw new IllegalStateException(w.label() + " drew key " + key + ", which has " + rows + " rows in the "
              + table.name());
        }
        expected[c] += rows;
      }
    }
    return new KeyCalls(keys, expected);
  }
}
