package io.needle.bench.prepare;

import static java.util.Objects.requireNonNull;

import io.needle.bench.gen.WriterLayout;
import java.nio.file.Path;

/**
 * What {@code needle prepare} writes and with how much memory. Validated once here.
 *
 * @param keyColumn the column to sort by and look up by
 * @param layout codec, pages and row groups of the output ({@link WriterLayout#defaults()} is
 *     {@code needle gen}'s)
 * @param fileBytes target size of each output file; a file is closed at the first key change past
 *     it, so that no key spans two files
 * @param memoryBytes the sort's budget for buffered rows (estimated heap bytes)
 * @param mergeFanIn runs merged at once; more runs are merged in several passes
 * @param tmpDir where sorted runs are spilled; null for a hidden directory inside the output,
 *     removed at the end
 */
public record PrepareOptions(String keyColumn, WriterLayout layout, long fileBytes, long memoryBytes,
    int mergeFanIn, Path tmpDir) {

  public static final long DEFAULT_FILE_BYTES = 256L << 20;
  public static final int DEFAULT_MERGE_FAN_IN = 64;

  public PrepareOptions {
    requireNonNull(keyColumn, "keyColumn is null");
    if (keyColumn.isBlank()) {
      throw new IllegalArgumentException("keyColumn is blank");
    }
    requireNonNull(layout, "layout is null");
    if (fileBytes < layout.pageSizeBytes()) {
      throw new IllegalArgumentException("fileBytes must be >= the page size (" + layout.pageSizeBytes() + "): "
          + fileBytes);
    }
    if (memoryBytes < 1024) {
      throw new IllegalArgumentException("memoryBytes must be >= 1024: " + memoryBytes);
    }
    if (mergeFanIn < 2) {
      throw new IllegalArgumentException("mergeFanIn must be >= 2: " + mergeFanIn);
    }
  }

  /** {@code needle gen}'s layout, 256 MiB files, a quarter of the heap for the sort. */
  public static PrepareOptions defaults(String keyColumn) {
    return new PrepareOptions(keyColumn, WriterLayout.defaults(), DEFAULT_FILE_BYTES,
        Math.max(1L << 20, Runtime.getRuntime().maxMemory() / 4), DEFAULT_MERGE_FAN_IN, null);
  }

  public PrepareOptions withLayout(WriterLayout newLayout) {
    return new PrepareOptions(keyColumn, newLayout, fileBytes, memoryBytes, mergeFanIn, tmpDir);
  }

  public PrepareOptions withFileBytes(long newFileBytes) {
    return new PrepareOptions(keyColumn, layout, newFileBytes, memoryBytes, mergeFanIn, tmpDir);
  }

  public PrepareOptions withMemory(long newMemoryBytes, int newMergeFanIn) {
    return new PrepareOptions(keyColumn, layout, fileBytes, newMemoryBytes, newMergeFanIn, tmpDir);
  }

  public PrepareOptions withTmpDir(Path newTmpDir) {
    return new PrepareOptions(keyColumn, layout, fileBytes, memoryBytes, mergeFanIn, newTmpDir);
  }
}
