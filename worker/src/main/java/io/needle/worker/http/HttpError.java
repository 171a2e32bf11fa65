package io.needle.worker.http;

import io.needle.client.NeedleException;

/**
 * A call that cannot be answered: the HTTP status and the Java API's error code, written as
 * {@code {"error":{"code":"…","message":"…"}}}. Thrown for the caller's mistakes only, so it
 * carries no stack trace. Not final: Feast's endpoint answers its errors in Feast's forms.
 */
class HttpError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  final int status;
  final NeedleException.Code code;

  HttpError(int status, NeedleException.Code code, String message) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
  }

  static HttpError badRequest(String message) {
    return new HttpError(400, NeedleException.Code.INVALID_ARGUMENT, message);
  }

  static HttpError tooLarge(String message) {
    return new HttpError(413, NeedleException.Code.RESOURCE_EXHAUSTED, message);
  }

  /** The HTTP status that goes with each error code of the Java API. */
  static int status(NeedleException.Code code) {
    return switch (code) {
      case INVALID_ARGUMENT -> 400;
      case UNAUTHENTICATED -> 401;
      case PERMISSION_DENIED -> 403;
      case NOT_FOUND -> 404;
      case RESOURCE_EXHAUSTED -> 429;
      case UNSUPPORTED -> 501;
      case UNAVAILABLE -> 503;
      case DEADLINE_EXCEEDED -> 504;
      case DATA_LOSS, INTERNAL -> 500;
    };
  }

  /** The message of {@code e} without the {@code CODE: } prefix NeedleException puts in front. */
  static String message(NeedleException e) {
    String m = String.valueOf(e.getMessage());
    String prefix = e.code() + ": ";
    return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
  }
}
