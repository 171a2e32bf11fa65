package io.needle.testsupport;

import java.util.SplittableRandom;

/**
 * Runs a check on inputs from seeded {@link SplittableRandom}s: try i uses seed base + i * a large
 * odd constant, base 0 unless {@code -Dneedle.fuzz.seed} says otherwise. A failure names its seed;
 * passing that seed as {@code -Dneedle.fuzz.seed} replays it as the first try.
 */
public final class SeededRuns {
  private static final long STEP = 0x9E3779B97F4A7C15L;

  /** One try on the inputs {@code random} makes. */
  public interface Trial {
    void run(SplittableRandom random) throws Exception;
  }

  private SeededRuns() {}

  public static void run(int tries, Trial trial) {
    long base = Long.getLong("needle.fuzz.seed", 0L);
    for (int i = 0; i < tries; i++) {
      long seed = base + i * STEP;
      try {
        trial.run(new SplittableRandom(seed));
      } catch (Exception | AssertionError e) {
        throw new AssertionError("try " + i + " failed; replay with -Dneedle.fuzz.seed=" + seed, e);
      }
    }
  }
}
