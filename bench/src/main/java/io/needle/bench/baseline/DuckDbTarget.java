package io.needle.bench.baseline;

import static java.util.Objects.requireNonNull;

import io.needle.bench.harness.LookupTarget;
import io.needle.bench.harness.Workload;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * DuckDB (in-process, duckdb_jdbc) answering the same lookup with a prepared statement over
 * {@code read_parquet} of the same files: {@code SELECT <columns> FROM read_parquet([...])
 * WHERE <key column> = ?}, the key bound as a {@code Long}, {@code Integer} or {@code String}.
 * Every value of every row is fetched with {@code getObject}, as an application would; when the
 * key column is selected, each row's key is checked.
 *
 * <p>Threading: a JDBC statement belongs to one thread, so {@link #forCaller} opens a new
 * connection (DuckDB's connections to one in-memory database are cheap) with its own statement.
 */
public final class DuckDbTarget implements LookupTarget {
  private final Connection connection;
  private final PreparedStatement statement;
  private final String sql;
  private final String keyColumn;
  private final boolean checkKeys;
  private final long maxCalls;
  private final boolean owner;

  public DuckDbTarget(List<Path> files, String keyColumn, List<String> columns, long maxCalls) throws SQLException {
    this(DriverManager.getConnection("jdbc:duckdb:"), sql(files, keyColumn, columns), keyColumn,
        columns.contains(keyColumn), maxCalls, true);
  }

  private DuckDbTarget(Connection connection, String sql, String keyColumn, boolean checkKeys, long maxCalls,
      boolean owner) throws SQLException {
    this.connection = connection;
    this.sql = sql;
    this.keyColumn = keyColumn;
    this.checkKeys = checkKeys;
    this.maxCalls = maxCalls;
    this.owner = owner;
    this.statement = connection.prepareStatement(sql);
  }

  private static String sql(List<Path> files, String keyColumn, List<String> columns) {
    requireNonNull(keyColumn, "keyColumn is null");
    String list = files.stream().map(p -> "'" + p.toAbsolutePath().toString().replace("'", "''") + "'")
        .collect(Collectors.joining(", ", "[", "]"));
    String cols = columns.stream().map(c -> '"' + c + '"').collect(Collectors.joining(", "));
    return "SELECT " + cols + " FROM read_parquet(" + list + ") WHERE \"" + keyColumn + "\" = ?";
  }

  @Override
  public String name() {
    return "DuckDB";
  }

  @Override
  public boolean supports(Workload workload) {
    return workload.keysPerCall() == 1 && workload != Workload.COLD;
  }

  @Override
  public long maxCalls() {
    return maxCalls;
  }

  @Override
  public LookupTarget forCaller() throws SQLException {
    Connection c = ((org.duckdb.DuckDBConnection) connection).duplicate();
    return new DuckDbTarget(c, sql, keyColumn, checkKeys, maxCalls, true);
  }

  @Override
  public int lookup(Object[] keys) throws SQLException {
    int found = 0;
    for (Object key : keys) {
      statement.setObject(1, key);
      try (ResultSet rs = statement.executeQuery()) {
        int n = rs.getMetaData().getColumnCount();
        while (rs.next()) {
          for (int i = 1; i <= n; i++) {
            rs.getObject(i);
          }
          if (checkKeys && !key.equals(rs.getObject(keyColumn))) {
            throw new IllegalStateException("DuckDB: key " + key + " returned " + keyColumn + " "
                + rs.getObject(keyColumn));
          }
          found++;
        }
      }
    }
    return found;
  }

  @Override
  public void close() throws SQLException {
    statement.close();
    if (owner) {
      connection.close();
    }
  }
}
