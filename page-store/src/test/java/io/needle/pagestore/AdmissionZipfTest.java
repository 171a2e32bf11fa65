package io.needle.pagestore;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admission sketch against cold scans (issue 3, RELIABILITY.md T06): a Zipf(0.9) lookup
 * stream over a working set much larger than the cache, interrupted by one-pass scans of keys
 * that are never asked for again. Every miss is refetched and offered to the store (as the worker
 * does). With admission the scans cannot flush the hot set, so the hit ratio of the Zipf stream is
 * clearly higher than without. Deterministic: fixed seeds, one thread.
 */
class AdmissionZipfTest {
  private static final int HOT_KEYS = 20_000;
  private static final int PAGE_BYTES = 1000;

  @TempDir Path dir;

  record Result(double zipfHitRatio, long admissionRejections) {}

  static Result run(Path dir, boolean admission, EvictionPolicy policy) throws IOException {
    PageStoreConfig config = new PageStoreConfig(dir, 24L * 64 * 1024, 64 * 1024, policy, admission, PAGE_BYTES,
        "zipf", false, false); // ~1,500 pages: 7.5% of the Zipf key space
    double[] cdf = zipfCdf(HOT_KEYS, 0.9);
    SplittableRandom random = new SplittableRandom(42);
    long zipfGets = 0;
    long zipfHits = 0;
    int coldKey = 0;
    try (PageStore store = PageStore.open(config)) {
      for (int op = 0; op < 200_000; op++) {
        if (op % 10_000 == 5_000) {
          for (int s = 0; s < 3_000; s++) { // a scan: 2x the cache, each key once
            lookup(store, TestPages.key(1_000 + coldKey / 1000, coldKey++ * 4096L));
          }
        }
        boolean hit = lookup(store, TestPages.key(0, sample(cdf, random) * 4096L));
        if (op >= 20_000) {
          zipfGets++;
          zipfHits += hit ? 1 : 0;
        }
      }
      return new Result((double) zipfHits / zipfGets, store.stats().admissionRejections());
    }
  }

  private static boolean lookup(PageStore store, PageKey k) {
    PageHandle h = store.get(k);
    if (h != null) {
      h.release();
      return true;
    }
    store.put(k, TestPages.page(k, PAGE_BYTES));
    return false;
  }

  static double[] zipfCdf(int n, double s) {
    double[] cdf = new double[n];
    double sum = 0;
    for (int i = 0; i < n; i++) {
      sum += 1 / Math.pow(i + 1, s);
      cdf[i] = sum;
    }
    for (int i = 0; i < n; i++) {
      cdf[i] /= sum;
    }
    return cdf;
  }

  static int sample(double[] cdf, SplittableRandom random) {
    int i = java.util.Arrays.binarySearch(cdf, random.nextDouble());
    return i >= 0 ? i : Math.min(cdf.length - 1, -i - 1);
  }

  @Test
  void admissionKeepsTheHotSetThroughColdScans() throws IOException {
    for (EvictionPolicy policy : EvictionPolicy.values()) {
      Result without = run(dir.resolve(policy + "-off"), false, policy);
      Result with = run(dir.resolve(policy + "-on"), true, policy);
      System.out.printf("%s: Zipf hit ratio %.4f without admission, %.4f with (%d rejections)%n", policy,
          without.zipfHitRatio(), with.zipfHitRatio(), with.admissionRejections());
      assertThat(with.admissionRejections()).isPositive();
      assertThat(without.admissionRejections()).isZero();
      assertThat(with.zipfHitRatio()).as(policy.name()).isGreaterThan(without.zipfHitRatio() + 0.03);
    }
  }
}
