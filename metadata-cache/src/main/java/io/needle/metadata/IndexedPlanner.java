package io.needle.metadata;

import java.util.ArrayList;
import java.util.List;

/**
 * Plans a lookup from the rows a key index found, next to the statistics-based {@link Planner}:
 * per row group holding any of the rows, the pages of every requested leaf that hold exactly
 * those rows (offset index, or page row ranges walked from the page headers once per chunk). A
 * file without any of the rows gets a plan without row groups, so it ships no page.
 */
final class IndexedPlanner {
  private IndexedPlanner() {}

  /** @param rows file-wide row ordinals, ascending, distinct */
  static Planner.Step step(FileMetadata file, Planner.Request request, long[] rows) {
    List<RowGroupPlan> groups = new ArrayList<>();
    Planner.PageTableMisses misses = new Planner.PageTableMisses();
    int keyLeaf = request.keyLeaf();
    long groupStart = 0;
    int next = 0;
    for (int rg = 0; rg < file.rowGroupCount() && next < rows.length; rg++) {
      long groupRows = file.rowGroupRows[rg];
      long groupEnd = groupStart + groupRows;
      long[] ranges = new long[8];
      int size = 0;
      for (; next < rows.length && rows[next] < groupEnd; next++) {
        if (rows[next] < groupStart) {
          continue;
        }
        long row = rows[next] - groupStart;
        if (size > 0 && ranges[size - 1] == row) {
          ranges[size - 1] = row + 1;
          continue;
        }
        if (size == ranges.length) {
          ranges = java.util.Arrays.copyOf(ranges, size * 2);
        }
        ranges[size++] = row;
        ranges[size++] = row + 1;
      }
      groupStart = groupEnd;
      if (size == 0) {
        continue;
      }
      ranges = java.util.Arrays.copyOf(ranges, size);
      // As the statistics planner does: a re-paged key chunk is read once and used throughout.
      FileMetadata.Repaged keyRepaged = file.repaged(rg, keyLeaf);
      PageTable keyTable = keyRepaged != null ? keyRepaged.table() : file.pageTable(rg, keyLeaf);
      if (keyTable == null) {
        misses.add(rg * file.leafCount() + keyLeaf);
        continue;
      }
      RowGroupPlan plan = Planner.rowGroupPlan(file, request, rg, ranges, keyRepaged,
          Planner.overlapping(keyTable, ranges, groupRows), misses);
      if (plan != null) {
        groups.add(plan);
      }
    }
    if (misses.size > 0) {
      return new Planner.Step(null, false, misses.toArray());
    }
    return new Planner.Step(new FilePlan(file.version, file.schemaInfo, List.copyOf(groups)), false, null);
  }
}
