package io.needle.worker;

/**
 * Table formats Needle does not read, whose folders hold Parquet files that are not all live rows
 * (removed files stay until vacuumed; Hudi keeps older file slices and log files): such a location
 * is refused as UNSUPPORTED, naming the format, never served as a directory table, which would
 * answer deleted and stale rows. Each is recognised by its log folder at the table's root.
 */
enum ForeignTableFormat {
  DELTA_LAKE("Delta Lake", "_delta_log"),
  HUDI("Apache Hudi", ".hoodie");

  private final String displayName;
  private final String logDir;

  ForeignTableFormat(String displayName, String logDir) {
    this.displayName = displayName;
    this.logDir = logDir;
  }

  /** The folder at the table root that marks the format ({@code _delta_log}, {@code .hoodie}). */
  String logDir() {
    return logDir;
  }

  /** The format whose log folder {@code relativePath} (from the table root, '/'-separated) lies in, or null. */
  static ForeignTableFormat ofPath(String relativePath) {
    for (ForeignTableFormat f : values()) {
      if (relativePath.startsWith(f.logDir + "/")) {
        return f;
      }
    }
    return null;
  }

  /** The refusal a lookup of such a table gets. */
  ServiceException refusal(String tableUri) {
    return new ServiceException(io.needle.protocol.proto.ErrorCode.UNSUPPORTED, displayName + " table "
        + TableScope.printable(tableUri) + " (it has " + logDir + "/): Needle reads Parquet directories and "
        + "Iceberg tables only; a " + displayName + " table's Parquet files include rows it deleted or replaced, "
        + "so it is not served as a directory");
  }
}
