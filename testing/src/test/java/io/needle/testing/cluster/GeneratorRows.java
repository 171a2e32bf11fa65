package io.needle.testing.cluster;

import io.needle.bench.gen.FeatureRow;
import io.needle.bench.gen.FeatureTable;
import io.needle.client.Row;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** The oracle of the cluster fault tests: an answer is right when it is the generator's one row for the key. */
final class GeneratorRows {
  private GeneratorRows() {}

  static boolean right(FeatureTable generator, long key, List<Row> rows) {
    if (rows.size() != 1) {
      return false;
    }
    FeatureRow want = generator.expected(key);
    for (Map.Entry<String, Object> c : want.asMap().entrySet()) {
      if (!Objects.equals(rows.get(0).get(c.getKey()), c.getValue())) {
        return false;
      }
    }
    return true;
  }
}
