package io.needle.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.BitSet;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Binary search over ordered page bounds marks exactly the pages a linear scan would. */
class KeyPageBoundsTest {
  @Test
  void orderedSearchAgreesWithLinearScanForLongs() {
    Random random = new Random(1);
    for (int round = 0; round < 500; round++) {
      int n = 1 + random.nextInt(40);
      long[] mins = new long[n];
      long[] maxs = new long[n];
      long at = random.nextInt(20) - 10;
      for (int i = 0; i < n; i++) {
        at += random.nextInt(4); // overlapping and equal bounds happen
        mins[i] = at;
        at += random.nextInt(4);
        maxs[i] = at;
      }
      boolean descending = round % 2 == 1;
      if (descending) {
        reverse(mins);
        reverse(maxs);
      }
      int[] pages = new int[n];
      Arrays.setAll(pages, i -> i * 2); // pages with bounds are every other page
      KeyPageBounds bounds = KeyPageBounds.ofLongs(pages, mins, maxs, new int[] {1},
          descending ? KeyPageBounds.Order.DESCENDING : KeyPageBounds.Order.ASCENDING);
      assertThat(bounds.order).isNotEqualTo(KeyPageBounds.Order.UNORDERED);
      for (long key = -12; key < at + 3; key++) {
        BitSet marked = new BitSet(2 * n);
        bounds.mark(key, marked);
        BitSet expected = new BitSet(2 * n);
        expected.set(1);
        for (int i = 0; i < n; i++) {
          expected.set(2 * i, mins[i] <= key && key <= maxs[i]);
        }
        assertThat(marked).as("key %d round %d", key, round).isEqualTo(expected);
      }
    }
  }

  @Test
  void orderedSearchAgreesWithLinearScanForBytes() {
    Random random = new Random(2);
    for (int round = 0; round < 300; round++) {
      int n = 1 + random.nextInt(30);
      byte[][] mins = new byte[n][];
      byte[][] maxs = new byte[n][];
      int at = 0;
      for (int i = 0; i < n; i++) {
        at += random.nextInt(3);
        mins[i] = new byte[] {(byte) at, (byte) random.nextInt(3)};
        at += 1 + random.nextInt(3);
        maxs[i] = new byte[] {(byte) at};
      }
      int[] pages = new int[n];
      Arrays.setAll(pages, i -> i);
      KeyPageBounds bounds = KeyPageBounds.ofBytes(pages, mins, maxs, new int[0], KeyPageBounds.Order.ASCENDING);
      for (int k = 0; k < at + 2; k++) {
        byte[] key = {(byte) k, (byte) random.nextInt(3)};
        BitSet marked = new BitSet(n);
        bounds.mark(key, marked);
        for (int i = 0; i < n; i++) {
          boolean contains = Arrays.compareUnsigned(mins[i], key) <= 0 && Arrays.compareUnsigned(key, maxs[i]) <= 0;
          assertThat(marked.get(i)).as("page %d key %s", i, Arrays.toString(key)).isEqualTo(contains);
        }
      }
    }
  }

  @Test
  void claimedOrderThatIsNotMonotoneFallsBackToAScan() {
    KeyPageBounds bounds = KeyPageBounds.ofLongs(new int[] {0, 1, 2}, new long[] {5, 1, 9}, new long[] {6, 2, 10}, new int[0],
        KeyPageBounds.Order.ASCENDING);
    assertThat(bounds.order).isEqualTo(KeyPageBounds.Order.UNORDERED);
    BitSet marked = new BitSet(3);
    bounds.mark(1, marked);
    assertThat(marked).isEqualTo(BitSet.valueOf(new long[] {0b010}));
  }

  private static void reverse(long[] a) {
    for (int i = 0, j = a.length - 1; i < j; i++, j--) {
      long t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }
}
