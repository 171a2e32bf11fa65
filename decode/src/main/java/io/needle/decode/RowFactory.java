package io.needle.decode;

/**
 * Builds the caller's row type from decoded fields: the top-level rows of a lookup and every
 * struct value inside them. The decoder hands over both arrays and never touches them again;
 * several rows may share one names array, so an implementation must not modify it.
 */
@FunctionalInterface
public interface RowFactory<R> {
  R row(String[] names, Object[] values);
}
