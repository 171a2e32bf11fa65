package io.needle.client.internal;

/**
 * The distinct keys of one lookup, in the key column's physical representation (see
 * {@link KeyType}), answering "which requested key is this value" while the key column decodes.
 * Stub: implementation pending.
 */
public final class KeyMatcher {
  public static KeyMatcher ofLongs(long[] distinctKeys) {
    throw new UnsupportedOperationException("not yet implemented");
  }

  public static KeyMatcher ofBytes(byte[][] distinctKeys) {
    throw new UnsupportedOperationException("not yet implemented");
  }
}
