package io.needle.worker;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A table URI prefix of a {@link Policy.Grant}, in canonical form, and the check of a client's
 * table URI against it. Runs on the event loop, so the check is lexical: a client URI with a
 * {@code ..} segment (in any encoding) is refused outright rather than normalized, so no symlink
 * under an allowed prefix can be walked back out of it; {@code .} and empty segments are
 * normalized away. S3 URIs are canonical by construction ({@link S3Location}).
 */
sealed interface TablePrefix {

  /** True when {@code tableUri} names a table at or under this prefix. */
  boolean covers(String tableUri);

  /** Parses a configured prefix; IllegalArgumentException with the reason otherwise. */
  static TablePrefix parse(String uri) {
    try {
      if (S3Location.isS3(uri)) {
        return new S3(S3Location.parse(uri));
      }
      Path path = TableScope.parse(uri);
      if (hasDotDot(path)) {
        throw new IllegalArgumentException("table prefix " + uri + " has a .. segment");
      }
      Path lexical = path.normalize();
      Path real;
      try {
        real = lexical.toRealPath(); // where the data really is, when the prefix exists already
      } catch (IOException e) {
        real = lexical;
      }
      return new Local(lexical, real);
    } catch (ServiceException e) {
      throw new IllegalArgumentException("bad table prefix " + TableScope.printable(uri) + ": " + e.getMessage());
    }
  }

  private static boolean hasDotDot(Path path) {
    for (Path segment : path) {
      if (segment.toString().equals("..")) {
        return true;
      }
    }
    return false;
  }

  /** A local directory prefix; a table may be named by the configured path or the real one. */
  record Local(Path lexical, Path real) implements TablePrefix {
    @Override
    public boolean covers(String tableUri) {
      if (S3Location.isS3(tableUri)) {
        return false;
      }
      Path path;
      try {
        path = TableScope.parse(tableUri);
      } catch (ServiceException e) {
        return false;
      }
      if (hasDotDot(path)) {
        return false;
      }
      Path normal = path.normalize();
      return normal.startsWith(lexical) || normal.startsWith(real);
    }
  }

  /** An S3 prefix: same bucket, prefix on a segment boundary of the canonical key. */
  record S3(S3Location location) implements TablePrefix {
    @Override
    public boolean covers(String tableUri) {
      if (!S3Location.isS3(tableUri)) {
        return false;
      }
      try {
        return S3Location.parse(tableUri).isUnder(location);
      } catch (ServiceException e) {
        return false;
      }
    }
  }
}
