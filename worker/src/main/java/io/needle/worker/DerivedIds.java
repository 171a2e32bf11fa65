package io.needle.worker;

/**
 * The worker's one map of derived-record ids in the page store ({@code PageKey.derived}): the top
 * seven bits of an id name the kind of state, so kinds never collide; the rest is the kind's own.
 */
final class DerivedIds {
  /** Page tables and other state the metadata cache derives ({@code DerivedStore} ids). */
  static final int METADATA = 1;
  /** Key index blocks, see {@link KeyIndex}. */
  static final int KEY_INDEX = 2;

  private static final int KIND_SHIFT = 56;

  private DerivedIds() {}

  static long of(int kind, long id) {
    if (id < 0 || id >= 1L << KIND_SHIFT) {
      throw new IllegalArgumentException("derived id out of range: " + id);
    }
    return ((long) kind << KIND_SHIFT) | id;
  }
}
