package io.needle.pagestore;

import java.io.IOException;
import java.nio.file.Path;

/** Another store (this process or another) holds the directory's lock file. */
public final class PageStoreLockedException extends IOException {
  private static final long serialVersionUID = 1L;

  PageStoreLockedException(Path lockFile) {
    super("page store directory is in use by another store (lock held on " + lockFile + ")");
  }
}
