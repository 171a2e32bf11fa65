package io.needle.bench.harness;

import static java.util.Objects.requireNonNull;

import java.math.BigInteger;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.LongFunction;
import org.apache.commons.math3.distribution.ZipfDistribution;
import org.apache.commons.math3.random.Well19937c;

/**
 * The keys of a run, drawn once before it starts so that every system gets exactly the same
 * sequence: {@code calls} entries of {@code keysPerCall} distinct keys each.
 *
 * <p>Rows are drawn from {@code 0..rows-1} uniformly or by Zipf(0.99) rank; a Zipf rank {@code r}
 * maps to row {@code (r * stride) mod rows} with {@code stride} a prime that does not divide
 * {@code rows}, a permutation that scatters the hot rows over the whole table. The caller's
 * {@code keyOfRow} turns a row into its key (for an absent workload, into a key next to it): a
 * {@code Long}, a {@code String}, ... as the table's key column takes them. Keys are made here,
 * once, so the timed calls box nothing.
 */
public final class KeyPlan {
  /** Large prime stride of the rank permutation. */
  static final long RANK_STRIDE = 2_147_483_647L; // 2^31 - 1
  static final long OTHER_STRIDE = 1_000_000_007L;

  private KeyPlan() {}

  public static Object[][] draw(long rows, int calls, int keysPerCall, KeyDistribution distribution,
      long seed, LongFunction<?> keyOfRow) {
    requireNonNull(distribution, "distribution is null");
    requireNonNull(keyOfRow, "keyOfRow is null");
    if (rows < 1 || calls < 1 || keysPerCall < 1 || keysPerCall > rows) {
      throw new IllegalArgumentException(
          "rows, calls and keysPerCall must be >= 1: " + rows + ", " + calls + ", " + keysPerCall);
    }
    Object[][] out = new Object[calls][keysPerCall];
    SplittableRandom uniform = new SplittableRandom(seed);
    ZipfDistribution zipf = distribution == KeyDistribution.ZIPF && rows > 1
        ? new ZipfDistribution(new Well19937c(seed), (int) Math.min(rows, Integer.MAX_VALUE),
            KeyDistribution.ZIPF_EXPONENT)
        : null;
    for (int c = 0; c < calls; c++) {
      Set<Long> seen = new HashSet<>();
      for (int k = 0; k < keysPerCall; k++) {
        long row;
        do {
          row = zipf == null ? uniform.nextLong(rows) : rankToRow(zipf.sample() - 1L, rows);
        } while (keysPerCall > 1 && !seen.add(row));
        out[c][k] = requireNonNull(keyOfRow.apply(row), "keyOfRow gave null");
      }
    }
    return out;
  }

  /** Row of Zipf rank {@code rank} (0-based): a permutation of {@code 0..rows-1}. */
  static long rankToRow(long rank, long rows) {
    // Both strides are prime, so at least one is coprime with rows (rows < their product).
    long stride = rows % RANK_STRIDE == 0 ? OTHER_STRIDE : RANK_STRIDE;
    return BigInteger.valueOf(rank).multiply(BigInteger.valueOf(stride))
        .mod(BigInteger.valueOf(rows)).longValueExact();
  }
}
