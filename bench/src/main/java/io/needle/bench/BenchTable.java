package io.needle.bench;

import io.needle.bench.baseline.RedisRows;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;

/**
 * A table the scenarios of one run look up, whoever made it: a generated feature or RAG table,
 * or the user's own ({@code --table}). It says where the files are, what every call reads, which
 * keys exist and how many rows each has (the oracle every answer is checked against), and what
 * the Redis baseline stores.
 */
interface BenchTable {

  /** For output: "feature table", "RAG table", or the user's path. */
  String name();

  /** What Needle is asked for: a directory of Parquet files, or one file. */
  Path location();

  /** The directory a worker must serve for {@link #location} to be in its scope. */
  default Path root() {
    return Files.isDirectory(location()) ? location() : location().toAbsolutePath().getParent();
  }

  /** The Parquet files, for the baselines that read files themselves. */
  List<Path> files();

  String keyColumn();

  /** What every call reads, the key column among them, in this order. */
  List<String> columns();

  /** How many distinct present keys draws pick from: {@code presentKey(0 .. keyCount - 1)}. */
  long keyCount();

  /** Present key number {@code index}, a {@code Long}, {@code Integer} or {@code String}. */
  Object presentKey(long index);

  /** A key the table does not hold, made from key number {@code index} (near it, where possible). */
  Object absentKey(long index);

  /** Rows the table holds for {@code key}: at least 1 for a present key, 0 for an absent one. */
  int rowsOf(Object key);

  /** What Redis stores for {@code keys}; a user's table is read to make it. */
  RedisRows redisRows(Collection<Object> keys) throws IOException;
}
