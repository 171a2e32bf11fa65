package io.needle.worker;

import io.needle.protocol.proto.ErrorCode;

import java.util.regex.Pattern;

/**
 * A bucket and a canonical key prefix, parsed from {@code s3://bucket/prefix}.
 *
 * <p>Canonical means: no empty, {@code .} or {@code ..} segments, no backslash, no control
 * characters, no query or fragment; the prefix never starts with {@code /} and, when not empty,
 * ends with {@code /}. The scope check is then a plain string prefix check on segment
 * boundaries, with nothing left for a path trick to exploit.
 */
record S3Location(String bucket, String prefix) {
  /** DNS-compatible bucket names, as S3 requires for new buckets. */
  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
  private static final int MAX_URI_CHARS = 4096;

  static boolean isS3(String uri) {
    return uri.regionMatches(true, 0, "s3://", 0, 5);
  }

  /** The configured root; IllegalArgumentException with the bad value otherwise. */
  static S3Location parseRoot(String uri) {
    try {
      return parse(uri);
    } catch (ServiceException e) {
      throw new IllegalArgumentException("bad S3 root " + TableScope.printable(uri) + ": " + e.getMessage());
    }
  }

  static S3Location parse(String uri) throws ServiceException {
    if (uri.length() > MAX_URI_CHARS || !isS3(uri)) {
      throw new ServiceException(ErrorCode.INVALID_ARGUMENT, "not an s3://bucket/prefix URI: " + TableScope.printable(uri));
    }
    String rest = uri.substring(5);
    int slash = rest.indexOf('/');
    String bucket = slash < 0 ? rest : rest.substring(0, slash);
    String key = slash < 0 ? "" : rest.substring(slash + 1);
    if (!BUCKET.matcher(bucket).matches()) {
      throw new ServiceException(ErrorCode.INVALID_ARGUMENT, "bad bucket name in " + TableScope.printable(uri));
    }
    StringBuilder prefix = new StringBuilder();
    if (!key.isEmpty()) {
      String trimmed = key.endsWith("/") ? key.substring(0, key.length() - 1) : key;
      for (String segment : trimmed.split("/", -1)) {
        if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
          throw new ServiceException(ErrorCode.INVALID_ARGUMENT,
              "S3 URI has an empty, . or .. segment: " + TableScope.printable(uri));
        }
        for (int i = 0; i < segment.length(); i++) {
          char c = segment.charAt(i);
          if (c < 0x20 || c == 0x7f || c == '\\' || c == '?' || c == '#') {
            throw new ServiceException(ErrorCode.INVALID_ARGUMENT,
                "S3 URI has a control character, backslash, query or fragment: " + TableScope.printable(uri));
          }
        }
        prefix.append(segment).append('/');
      }
    }
    return new S3Location(bucket, prefix.toString());
  }

  /** True when this location lies under {@code root}: same bucket, root prefix on a segment boundary. */
  boolean isUnder(S3Location root) {
    return bucket.equals(root.bucket) && prefix.startsWith(root.prefix);
  }

  /** The canonical URI, used as the table's cache key. */
  String uri() {
    return "s3://" + bucket + "/" + prefix;
  }

  String objectUri(String key) {
    return "s3://" + bucket + "/" + key;
  }
}
