package io.needle.worker;

import io.needle.protocol.proto.ErrorCode;

/** A request the worker answers with a typed error instead of pages. */
final class ServiceException extends Exception {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;

  ServiceException(ErrorCode code, String message) {
    super(message);
    this.code = code;
  }

  ServiceException(ErrorCode code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  ErrorCode code() {
    return code;
  }
}
