package io.needle.cli;

import java.nio.file.Path;

/** Turns what a user types for a table (a URI or a local path) into the URI workers expect. */
public final class TableUris {
  private TableUris() {}

  public static String normalize(String table) {
    if (table.contains("://")) {
      return table;
    }
    return Path.of(table).toAbsolutePath().normalize().toUri().toString();
  }

  public static Path localRoot(String root) {
    if (root.startsWith("file:")) {
      return Path.of(java.net.URI.create(root));
    }
    if (root.contains("://")) {
      throw new IllegalArgumentException("only file:// roots are supported so far: " + root);
    }
    return Path.of(root).toAbsolutePath().normalize();
  }
}
