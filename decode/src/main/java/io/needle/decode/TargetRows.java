package io.needle.decode;

import java.util.NoSuchElementException;
import java.util.PrimitiveIterator;

/**
 * The rows one column reader must stop at, with a guard against a parquet-java 1.18.1 bug.
 *
 * <p>Why: parquet's {@code SynchronizingColumnReader.isFullyConsumed()} is
 * {@code !rowIndexes.hasNext()}, so a reader that has <em>taken</em> its last target row from the
 * iterator but not yet reached it (the row is on a later page) stops early and yields a null or
 * another row's value. (Upstream has since fixed it by also checking the current row.) This
 * iterator therefore keeps one phantom target, {@code Long.MAX_VALUE}, pending after the real
 * rows: the reader takes it only after passing the last real row, and it stops being pending
 * once the reader has run out of pages (the page reader then answers once with an empty page,
 * so the reader ends cleanly). Correct under both the buggy and the fixed upstream logic.
 */
final class TargetRows implements PrimitiveIterator.OfLong {
  private final long[] rows;
  private final ColumnPageReader pages;
  private int next;
  private boolean phantomTaken;

  TargetRows(long[] rows, ColumnPageReader pages) {
    this.rows = rows;
    this.pages = pages;
  }

  @Override
  public boolean hasNext() {
    return next < rows.length || (!phantomTaken && !pages.exhausted());
  }

  @Override
  public long nextLong() {
    if (next < rows.length) {
      return rows[next++];
    }
    if (!phantomTaken) {
      phantomTaken = true;
      return Long.MAX_VALUE;
    }
    throw new NoSuchElementException();
  }
}
