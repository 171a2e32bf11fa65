package io.needle.worker;

import io.needle.metadata.FileVersion;
import java.util.Arrays;

/**
 * A plan named re-paged pages that the page store no longer holds (evicted, or dropped after a
 * client's checksum failed): the lookup is planned again on the file's own pages. Expected, not
 * an error a client ever sees; no stack trace.
 */
final class RepagedPagesMissing extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient FileVersion version;
  private final String versionKey;
  private long[] addresses = new long[4];
  private int count;

  RepagedPagesMissing(FileVersion version, String versionKey) {
    super("re-paged pages of " + version.path() + " left the page store", null, false, false);
    this.version = version;
    this.versionKey = versionKey;
  }

  void add(long address) {
    if (count == addresses.length) {
      addresses = Arrays.copyOf(addresses, count * 2);
    }
    addresses[count++] = address;
  }

  FileVersion version() {
    return version;
  }

  String versionKey() {
    return versionKey;
  }

  long[] addresses() {
    return Arrays.copyOf(addresses, count);
  }
}
