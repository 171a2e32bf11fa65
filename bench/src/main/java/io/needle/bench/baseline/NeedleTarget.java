package io.needle.bench.baseline;

import static java.util.Objects.requireNonNull;

import io.needle.bench.harness.LookupTarget;
import io.needle.bench.harness.Workload;
import io.needle.client.Row;
import io.needle.client.Table;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Needle itself, through the public client API exactly as an application calls it: one
 * {@link Table#lookup} per key, {@link Table#lookupAll} for a batch. Thread-safe (the client is).
 *
 * <p>When the key column is among the columns read, each call checks that every returned row
 * carries the key that was asked, so a run that answered the wrong rows fails instead of looking
 * fast.
 */
public final class NeedleTarget implements LookupTarget {
  private final String name;
  private final Table table;
  private final List<String> columns;
  private final boolean checkKeys;
  private final AutoCloseable onClose;

  public NeedleTarget(String name, Table table, List<String> columns, AutoCloseable onClose) {
    this.name = requireNonNull(name, "name is null");
    this.table = requireNonNull(table, "table is null");
    this.columns = List.copyOf(columns);
    this.checkKeys = this.columns.isEmpty() || this.columns.contains(table.keyColumn());
    this.onClose = onClose;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public boolean supports(Workload workload) {
    return true;
  }

  @Override
  public int lookup(Object[] keys) {
    if (keys.length == 1) {
      return checked(keys[0], table.lookup(keys[0], columns));
    }
    int found = 0;
    for (Map.Entry<Object, List<Row>> e : table.lookupAll(Arrays.asList(keys), columns).entrySet()) {
      found += checked(e.getKey(), e.getValue());
    }
    return found;
  }

  private int checked(Object key, List<Row> rows) {
    if (checkKeys) {
      for (Row row : rows) {
        if (!key.equals(row.get(table.keyColumn()))) {
          throw new IllegalStateException(name + ": key " + key + " returned row " + row.toJson());
        }
      }
    }
    return rows.size();
  }

  @Override
  public void close() throws Exception {
    if (onClose != null) {
      onClose.close();
    }
  }
}
