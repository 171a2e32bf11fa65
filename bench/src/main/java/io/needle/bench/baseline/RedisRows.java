package io.needle.bench.baseline;

/**
 * How the Redis baseline keeps a table's rows: one value per key holding that key's rows, made
 * before the run and decoded on every read as an application keeping rows in Redis must.
 */
public interface RedisRows {

  /** The value stored for {@code key}, or null when the table has no row for it (nothing is stored). */
  byte[] encode(Object key);

  /**
   * Decodes {@code value} into typed values, checks that its rows carry {@code key}, and returns
   * how many rows it holds.
   *
   * @throws IllegalStateException when the value belongs to another key
   */
  int decode(Object key, byte[] value);
}
