package io.needle.bench.harness;

import java.util.Locale;

/** How the rows a run asks for are drawn. */
public enum KeyDistribution {
  /** Every row equally likely. */
  UNIFORM,
  /**
   * Zipf with exponent 0.99 over the rows: rank 1 is asked most often. Ranks are spread over the
   * table by a fixed permutation, so the hot rows are not all in the first page.
   */
  ZIPF;

  public static final double ZIPF_EXPONENT = 0.99;

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
