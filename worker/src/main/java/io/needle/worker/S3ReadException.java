package io.needle.worker;

import io.needle.protocol.proto.ErrorCode;

import java.io.IOException;

/**
 * A failed S3 request, already classified: the error code the client gets, and whether the
 * object changed or vanished under the version that was listed (412 on If-Match, 404, or a
 * different size), in which case the table is relisted and the lookup retried once.
 * An IOException because {@link io.needle.metadata.FileSource#readFully} throws those.
 */
final class S3ReadException extends IOException {
  private static final long serialVersionUID = 1L;

  /** What went wrong, as the outcome label of the S3 request metrics. */
  enum Reason {
    CHANGED, NOT_FOUND, DENIED, THROTTLED, SERVER_ERROR, REJECTED, TIMEOUT, CONNECTION_REFUSED, DNS, UNREACHABLE;

    String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private final ErrorCode code;
  private final boolean objectChanged;
  private final Reason reason;

  S3ReadException(ErrorCode code, boolean objectChanged, String message, Throwable cause) {
    this(code, objectChanged ? Reason.CHANGED : Reason.UNREACHABLE, message, cause);
  }

  S3ReadException(ErrorCode code, Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
    this.reason = reason;
    this.objectChanged = reason == Reason.CHANGED || reason == Reason.NOT_FOUND;
  }

  Reason reason() {
    return reason;
  }

  ErrorCode code() {
    return code;
  }

  boolean objectChanged() {
    return objectChanged;
  }
}
