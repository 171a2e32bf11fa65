package io.needle.decode;

/** Receives the rows of a row group whose key matched, in ascending row order. */
@FunctionalInterface
public interface MatchSink<R> {
  /**
   * @param keyOrdinal index of the matched key in the {@link KeyMatcher}
   * @param row row index within the row group
   * @param value the row, holding the requested fields in the requested order
   */
  void match(int keyOrdinal, long row, R value);
}
