package io.needle.bench.prepare;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@code needle prepare} wrote; only returned once the output was verified (same row count
 * and per-column content digest as the source, keys globally sorted).
 *
 * @param files the output files, in key order
 * @param rows rows in the source and in the output
 * @param sourceBytes size of the source files
 * @param outputBytes size of the output files
 * @param runs sorted runs spilled to disk (0: the table fitted the memory budget)
 * @param mergePasses merge passes written to disk before the final merge
 * @param bloomNdv distinct keys each bloom filter was sized for
 * @param seconds wall time
 */
public record PrepareResult(List<Path> files, long rows, long sourceBytes, long outputBytes, int runs,
    int mergePasses, long bloomNdv, double seconds) {
  public PrepareResult {
    files = List.copyOf(files);
  }
}
