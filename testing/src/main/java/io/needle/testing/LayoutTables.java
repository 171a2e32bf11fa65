package io.needle.testing;

import static java.util.Objects.requireNonNull;

import io.needle.bench.gen.Layout;
import io.needle.bench.gen.LayoutTable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes one table per {@link Layout} (the layouts other writers produce: parquet-java defaults
 * with keys in random order and 1 MiB pages, v1 and v2 pages, with and without a page index,
 * dictionary-encoded keys, many small row groups, DuckDB's {@code COPY}), all holding the same
 * key-derived rows ({@link LayoutTable}), into one subdirectory each, and names the keys to look
 * up: present ones spread over the key range, duplicated ones (two rows, most in two files) and
 * absent ones between, below and above them.
 *
 * <p>Two oracles check answers on these tables: parquet-java's reading ({@link ParquetOracle})
 * and the rows themselves ({@link LayoutTable#row}), which hold whatever the writer.
 */
public final class LayoutTables {
  /** Keys per table in the test suite: a fraction of a second of writing per layout. */
  public static final long TEST_ROWS = 600;

  private LayoutTables() {}

  /** A written layout table: its generator (the rows) and what the files hold. */
  public record Written(LayoutTable table, TableSpec spec) {
    public Written {
      requireNonNull(table, "table is null");
      requireNonNull(spec, "spec is null");
    }
  }

  /** Writes every layout with {@code rows} keys under {@code dir}, one directory per layout label. */
  public static List<Written> write(Path dir, long rows) throws IOException {
    requireNonNull(dir, "dir is null");
    List<Written> out = new ArrayList<>();
    for (Layout layout : Layout.values()) {
      out.add(write(dir.resolve(layout.label()), layout, rows));
    }
    return List.copyOf(out);
  }

  /** Writes {@code layout} with {@code rows} keys into {@code tableDir}. */
  public static Written write(Path tableDir, Layout layout, long rows) throws IOException {
    LayoutTable table = new LayoutTable(layout, rows, LayoutTable.DEFAULT_SEED);
    List<Path> files = table.write(tableDir);
    List<Object> present = new ArrayList<>();
    List<Object> duplicates = new ArrayList<>();
    List<Object> absent = new ArrayList<>();
    long step = Math.max(1, rows / 12);
    for (long k = 0; k < rows; k += step) {
      present.add(table.keyAt(k));
      absent.add(table.absentKeyAt(k));
    }
    present.add(table.keyAt(rows - 1));
    absent.add(table.absentKeyAt(rows)); // above every key
    for (long k = 0; k < rows && duplicates.size() < 8; k++) {
      if (table.duplicated(k)) {
        duplicates.add(table.keyAt(k));
      }
    }
    return new Written(table, TableSpec.read(layout.label(), tableDir, files, LayoutTable.KEY_COLUMN, present,
        duplicates, absent, layout.description()));
  }
}
