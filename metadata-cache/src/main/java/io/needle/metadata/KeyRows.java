package io.needle.metadata;

/**
 * The rows of one file version that hold a key, from a key index the caller keeps (the worker's,
 * in its page store). The planner asks it for every key of a lookup and, when every answer is
 * known, plans exactly the pages holding those rows ({@link IndexedPlanner}); an absent key then
 * costs no page at all.
 *
 * <p>Rows are file-wide ordinals: row {@code r} of row group {@code g} is the rows of the groups
 * before {@code g} plus {@code r}. An index may answer more rows than hold the key (a byte key
 * found by its hash: the client checks the key in the key page), never fewer.
 */
public interface KeyRows {
  /**
   * Adds the rows holding the normalised integer key (see {@link KeyColumnLayout#normalise}) to
   * {@code rows}; false when the index cannot answer now (then the lookup is planned from
   * statistics instead).
   */
  boolean find(long normalisedKey, RowList rows);

  /** As {@link #find(long, RowList)}, for a BYTE_ARRAY or FIXED_LEN_BYTE_ARRAY key. */
  boolean find(byte[] key, RowList rows);

  /** A growable list of row ordinals. */
  final class RowList {
    private long[] rows = new long[4];
    private int size;

    public RowList() {}

    public void add(long row) {
      if (size == rows.length) {
        rows = java.util.Arrays.copyOf(rows, size * 2);
      }
      rows[size++] = row;
    }

    public int size() {
      return size;
    }

    /** The rows, ascending, each once. */
    public long[] sortedDistinct() {
      long[] out = java.util.Arrays.copyOf(rows, size);
      java.util.Arrays.sort(out);
      int m = 0;
      for (int i = 0; i < out.length; i++) {
        if (m == 0 || out[m - 1] != out[i]) {
          out[m++] = out[i];
        }
      }
      return m == out.length ? out : java.util.Arrays.copyOf(out, m);
    }
  }
}
