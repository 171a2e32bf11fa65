package io.needle.testing.http;

import io.needle.testing.ParquetOracle;
import io.needle.testing.TableSpec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** What parquet-java's reader says a lookup returns, as docs/values.md JSON: files in path order, rows in file order. */
final class OracleRows {
  private final Map<Path, ParquetOracle> oracles = new HashMap<>();

  synchronized List<String> rows(TableSpec t, Object key, List<String> fields) {
    List<Path> files = new ArrayList<>(t.files());
    Collections.sort(files);
    List<String> out = new ArrayList<>();
    for (Path f : files) {
      out.addAll(oracles.computeIfAbsent(f, OracleRows::open).lookupJson(t.keyColumn(), key, fields));
    }
    return out;
  }

  synchronized ParquetOracle oracle(Path file) {
    return oracles.computeIfAbsent(file, OracleRows::open);
  }

  private static ParquetOracle open(Path file) {
    try {
      return ParquetOracle.open(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
