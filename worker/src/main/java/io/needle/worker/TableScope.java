package io.needle.worker;

import io.needle.protocol.proto.ErrorCode;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a client's table URI into a real path inside one of the worker's roots, or refuses.
 *
 * <p>The check runs on the canonical real path (symlinks resolved), so {@code ..} segments, in
 * any encoding, and links that point outside a root are all refused the same way. Refusals do
 * not say whether the target exists: an outsider learns nothing about the file system. Runs on
 * the loader executor, because resolving real paths touches the disk.
 */
final class TableScope {
  private static final int MAX_URI_CHARS = 4096;

  private final List<Path> roots;
  private final List<S3Location> s3Roots;

  TableScope(List<Path> configuredRoots) throws IOException {
    this(configuredRoots, List.of());
  }

  /** @param s3Roots {@code s3://bucket/prefix} roots, already canonical */
  TableScope(List<Path> configuredRoots, List<S3Location> s3Roots) throws IOException {
    List<Path> real = new ArrayList<>();
    for (Path root : configuredRoots) {
      real.add(root.toRealPath());
    }
    this.roots = List.copyOf(real);
    this.s3Roots = List.copyOf(s3Roots);
  }

  /**
   * The canonical location of an S3 table, guaranteed to be under an S3 root: same bucket, and
   * the root's prefix on a segment boundary of the canonical key (no {@code ..} can escape it).
   */
  S3Location resolveS3(String tableUri) throws ServiceException {
    S3Location table = S3Location.parse(tableUri);
    for (S3Location root : s3Roots) {
      if (table.isUnder(root)) {
        return table;
      }
    }
    throw denied(tableUri);
  }

  List<Path> roots() {
    return roots;
  }

  /** The real path of the table, guaranteed to be inside a root. */
  Path resolve(String tableUri) throws ServiceException {
    Path requested = parse(tableUri);
    Path real;
    try {
      real = requested.toRealPath();
    } catch (NoSuchFileException e) {
      // Existence is only revealed for paths that are inside a root: the nearest ancestor that
      // exists decides, as the kernel resolves it (a link out of the root, then "..", included).
      if (!namesHidden(requested.normalize()) && ancestorInside(requested)) {
        throw new ServiceException(ErrorCode.NOT_FOUND, "no such table: " + printable(tableUri));
      }
      throw denied(tableUri);
    } catch (IOException | SecurityException e) {
      throw denied(tableUri);
    }
    if (!insideRoot(real) || namesHidden(real) || namesHidden(requested.normalize())) {
      throw denied(tableUri);
    }
    return real;
  }

  /**
   * True when a name below the root that {@code path} lies in starts with {@code .} or {@code _}:
   * listings skip those entries (staging, metadata, editor files), and naming one directly is
   * refused the same way, so a hidden file is never readable.
   */
  private boolean namesHidden(Path path) {
    for (Path root : roots) {
      if (path.startsWith(root)) {
        for (Path name : root.relativize(path)) {
          if (isHidden(name)) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /** {@code message} with every root's absolute path taken out: what a client may see of a path. */
  String withoutRoots(String message) {
    String out = message;
    for (Path root : roots) {
      out = out.replace(root + java.io.File.separator, "").replace(root.toString(), "");
    }
    return out;
  }

  private boolean ancestorInside(Path requested) {
    for (Path p = requested.getParent(); p != null; p = p.getParent()) {
      try {
        Path real = p.toRealPath();
        return insideRoot(real) && !namesHidden(real);
      } catch (IOException | SecurityException e) {
        // not there either: try its parent
      }
    }
    return false;
  }

  /** True when {@code file} (a real path) lies inside a root: used again for every listed file. */
  boolean insideRoot(Path file) {
    for (Path root : roots) {
      if (file.startsWith(root)) {
        return true;
      }
    }
    return false;
  }

  /** The path a local table URI names, not yet normalized or resolved (lexical: no disk access). */
  static Path parse(String tableUri) throws ServiceException {
    if (tableUri.isEmpty() || tableUri.length() > MAX_URI_CHARS || tableUri.indexOf('\0') >= 0) {
      throw new ServiceException(ErrorCode.INVALID_ARGUMENT, "table URI empty, too long or containing NUL");
    }
    try {
      if (tableUri.startsWith("/")) {
        return Path.of(tableUri);
      }
      URI uri = new URI(tableUri);
      if (!"file".equals(uri.getScheme())) {
        throw new ServiceException(ErrorCode.INVALID_ARGUMENT,
            "unsupported table URI scheme (this worker serves file:// tables): " + printable(tableUri));
      }
      if (uri.getRawQuery() != null || uri.getRawFragment() != null
          || (uri.getAuthority() != null && !uri.getAuthority().isEmpty())) {
        throw new ServiceException(ErrorCode.INVALID_ARGUMENT, "table URI has a host, query or fragment: "
            + printable(tableUri));
      }
      return Path.of(uri);
    } catch (URISyntaxException | IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
      throw new ServiceException(ErrorCode.INVALID_ARGUMENT, "malformed table URI: " + printable(tableUri));
    }
  }

  private static ServiceException denied(String tableUri) {
    return new ServiceException(ErrorCode.PERMISSION_DENIED, "table is outside the worker's roots: "
        + printable(tableUri));
  }

  /** Keeps control characters out of messages and logs (log injection). */
  static String printable(String s) {
    StringBuilder out = new StringBuilder(Math.min(s.length(), 1024));
    for (int i = 0; i < s.length() && out.length() < 1024; i++) {
      char c = s.charAt(i);
      out.append(c < 0x20 || c == 0x7f ? '?' : c);
    }
    return out.toString();
  }

  static boolean isHidden(Path name) {
    String s = name.toString();
    return s.startsWith(".") || s.startsWith("_");
  }

  static boolean isRegularFile(Path p) {
    return Files.isRegularFile(p);
  }
}
