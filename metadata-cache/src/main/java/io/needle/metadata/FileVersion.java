package io.needle.metadata;

import static java.util.Objects.requireNonNull;

/**
 * One immutable version of one file: every cache key includes it, so bytes of two versions
 * never mix. {@code token} is whatever the origin offers to tell versions apart (local files:
 * modification time and inode; S3: the ETag).
 */
public record FileVersion(String path, long sizeBytes, String token) {
  public FileVersion {
    requireNonNull(path, "path is null");
    requireNonNull(token, "token is null");
    if (sizeBytes < 0) {
      throw new IllegalArgumentException("sizeBytes is negative: " + sizeBytes);
    }
  }

  /** The version as one opaque string, as it travels on the wire. */
  public String wireToken() {
    return sizeBytes + ":" + token;
  }
}
