package io.needle.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The planner's page selection for non-key columns against the definition: a page is sent when
 * it holds at least one row of at least one wanted row range. Random page tables include empty
 * pages (two pages starting at the same row), single-row pages and ranges that share a page.
 */
final class PlannerOverlapTest {

  @Test
  void selectsExactlyThePagesHoldingAWantedRow() {
    SplittableRandom random = new SplittableRandom(42);
    for (int round = 0; round < 5_000; round++) {
      int pageCount = 1 + random.nextInt(40);
      long[] firstRows = new long[pageCount];
      long row = 0;
      for (int p = 0; p < pageCount; p++) {
        firstRows[p] = row;
        row += random.nextInt(10) == 0 ? 0 : 1 + random.nextInt(5); // some empty pages
      }
      long rows = Math.max(row, firstRows[pageCount - 1]) + 1 + random.nextInt(5);
      long[] offsets = new long[pageCount];
      int[] lengths = new int[pageCount];
      for (int p = 0; p < pageCount; p++) {
        offsets[p] = 4 + 100L * p;
        lengths[p] = 100;
      }
      PageTable table = new PageTable(PageTable.NO_DICTIONARY, 0, offsets, lengths, firstRows);
      long[] ranges = randomRanges(random, rows);

      assertThat(Planner.overlapping(table, ranges, rows))
          .as("first rows %s, %d rows, ranges %s", java.util.Arrays.toString(firstRows), rows,
              java.util.Arrays.toString(ranges))
          .containsExactlyElementsOf(bySweep(table, ranges, rows));
    }
  }

  @Test
  void findsThePageOfARowByBinarySearch() {
    long[] firstRows = {0, 5, 5, 9, 20};
    assertThat(Planner.lastPageStartingAtOrBefore(firstRows, 0)).isEqualTo(0);
    assertThat(Planner.lastPageStartingAtOrBefore(firstRows, 4)).isEqualTo(0);
    assertThat(Planner.lastPageStartingAtOrBefore(firstRows, 5)).isEqualTo(2); // page 1 is empty
    assertThat(Planner.lastPageStartingAtOrBefore(firstRows, 8)).isEqualTo(2);
    assertThat(Planner.lastPageStartingAtOrBefore(firstRows, 9)).isEqualTo(3);
    assertThat(Planner.lastPageStartingAtOrBefore(firstRows, 1_000)).isEqualTo(4);
  }

  /** Disjoint ascending half-open ranges [start, end) within [0, rows). */
  private static long[] randomRanges(SplittableRandom random, long rows) {
    List<Long> bounds = new ArrayList<>();
    long at = random.nextLong(rows);
    int count = 1 + random.nextInt(4);
    for (int i = 0; i < count && at < rows; i++) {
      long end = Math.min(rows, at + 1 + random.nextInt(6));
      bounds.add(at);
      bounds.add(end);
      at = end + 1 + random.nextInt(8);
    }
    return bounds.stream().mapToLong(Long::longValue).toArray();
  }

  private static List<PageRef> bySweep(PageTable table, long[] ranges, long rows) {
    List<PageRef> pages = new ArrayList<>();
    for (int p = 0; p < table.pageCount(); p++) {
      long start = table.firstRows[p];
      long end = table.endRow(p, rows);
      boolean wanted = false;
      for (int r = 0; r < ranges.length; r += 2) {
        wanted |= start < end && ranges[r] < end && start < ranges[r + 1];
      }
      if (wanted) {
        pages.add(table.pageRef(p));
      }
    }
    return pages;
  }
}
