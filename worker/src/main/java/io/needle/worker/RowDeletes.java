package io.needle.worker;

import io.needle.metadata.PageRef;
import io.needle.metadata.RowGroupPlan;

import java.util.Arrays;
import java.util.List;

/**
 * The rows of one data file that its table deleted (Iceberg position deletes, deletion vectors,
 * equality deletes resolved to rows when the snapshot loaded), as sorted row indexes within
 * each row group. A lookup ships, with each row group, the deleted rows among the rows of the
 * key pages it ships; the client drops key matches at them, so raw pages still go out as they
 * are and a deleted row is never answered.
 */
record RowDeletes(long[][] byRowGroup) {

  /**
   * @param fileRows deleted row positions in the file (any order, duplicates allowed)
   * @param rowGroupRows every row group's row count, in file order
   */
  static RowDeletes of(long[] fileRows, long[] rowGroupRows) {
    long[] sorted = fileRows.clone();
    Arrays.sort(sorted);
    long[][] out = new long[rowGroupRows.length][];
    long start = 0;
    int at = 0;
    for (int rg = 0; rg < rowGroupRows.length; rg++) {
      long end = start + rowGroupRows[rg];
      int from = at;
      while (at < sorted.length && sorted[at] < end) {
        at++;
      }
      long[] rows = new long[at - from];
      int n = 0;
      for (int i = from; i < at; i++) {
        if (sorted[i] >= start && (n == 0 || rows[n - 1] != sorted[i] - start)) {
          rows[n++] = sorted[i] - start;
        }
      }
      out[rg] = Arrays.copyOf(rows, n);
      start = end;
    }
    return new RowDeletes(out);
  }

  /** The deleted rows of {@code rg} that its shipped key pages cover, ascending. */
  long[] shipped(RowGroupPlan rg) {
    long[] deleted = rg.rowGroup() < byRowGroup.length ? byRowGroup[rg.rowGroup()] : new long[0];
    if (deleted.length == 0) {
      return deleted;
    }
    List<PageRef> keyPages = rg.columns().get(0).dataPages();
    for (PageRef page : keyPages) {
      if (page.firstRow() < 0) { // rows per page unknown: every deleted row of the row group
        return deleted;
      }
    }
    long[] out = new long[covered(deleted, keyPages, rg.rowCount(), null)];
    covered(deleted, keyPages, rg.rowCount(), out);
    return out;
  }

  /** Counts the deleted rows each key page covers and, when {@code out} is not null, lists them. */
  private static int covered(long[] deleted, List<PageRef> keyPages, long rowCount, long[] out) {
    int n = 0;
    for (int p = 0; p < keyPages.size(); p++) {
      long from = keyPages.get(p).firstRow();
      long to = p + 1 < keyPages.size() ? keyPages.get(p + 1).firstRow() : rowCount;
      int at = Arrays.binarySearch(deleted, from);
      for (int i = at >= 0 ? at : -at - 1; i < deleted.length && deleted[i] < to; i++) {
        if (out != null) {
          out[n] = deleted[i];
        }
        n++;
      }
    }
    return n;
  }
}
