package io.needle.bench;

import io.needle.bench.baseline.FeatureValueCodec;
import io.needle.bench.baseline.RagValueCodec;
import io.needle.bench.baseline.RedisRows;
import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.RagTable;
import io.needle.bench.harness.Workload;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.function.LongFunction;
import java.util.function.ToIntFunction;

/**
 * A {@code needle gen} table as the bench sees it: keys and rows come from the generator's
 * pure functions, never from reading the files.
 */
record GeneratedTable(
    String name,
    Path location,
    List<Path> files,
    String keyColumn,
    List<String> columns,
    long keyCount,
    LongFunction<Object> present,
    LongFunction<Object> absent,
    ToIntFunction<Object> rows,
    RedisRows redis) implements BenchTable {

  /** The feature table: key {@code user_id}, absent keys {@code keyAt(row) + 1}, the twelve feature columns. */
  static GeneratedTable feature(FeatureTable gen, Path dir, List<Path> files) {
    return new GeneratedTable("feature table", dir, List.copyOf(files), FeatureTable.KEY_COLUMN,
        Workload.FEATURE_COLUMNS, gen.options().rows(), gen::keyAt, row -> gen.keyAt(row) + 1,
        key -> gen.contains((Long) key) ? 1 : 0, FeatureValueCodec.of(gen));
  }

  /** The RAG table: key {@code doc_id}, absent keys {@link RagTable#absentKeyNear}, the RAG columns. */
  static GeneratedTable rag(RagTable gen, Path dir, List<Path> files) {
    return new GeneratedTable("RAG table", dir, List.copyOf(files), RagTable.KEY_COLUMN, Workload.RAG_COLUMNS,
        gen.options().rows(), gen::keyAt, gen::absentKeyNear, key -> gen.contains((String) key) ? 1 : 0,
        RagValueCodec.of(gen));
  }

  @Override
  public Object presentKey(long index) {
    return present.apply(index);
  }

  @Override
  public Object absentKey(long index) {
    return absent.apply(index);
  }

  @Override
  public int rowsOf(Object key) {
    return rows.applyAsInt(key);
  }

  @Override
  public RedisRows redisRows(Collection<Object> keys) {
    return redis;
  }
}
