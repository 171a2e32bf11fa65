package io.needle.client;

import io.needle.decode.DecodeException;
import io.needle.protocol.proto.Error;

/** Maps wire and decoder errors to {@link NeedleException}s. */
final class Errors {
  private Errors() {}

  static NeedleException fromWire(Error error, String worker) {
    NeedleException.Code code = switch (error.getCode()) {
      case NOT_FOUND -> NeedleException.Code.NOT_FOUND;
      case INVALID_ARGUMENT -> NeedleException.Code.INVALID_ARGUMENT;
      case PERMISSION_DENIED -> NeedleException.Code.PERMISSION_DENIED;
      case UNSUPPORTED -> NeedleException.Code.UNSUPPORTED;
      case UNAVAILABLE -> NeedleException.Code.UNAVAILABLE;
      case DEADLINE_EXCEEDED -> NeedleException.Code.DEADLINE_EXCEEDED;
      case RESOURCE_EXHAUSTED -> NeedleException.Code.RESOURCE_EXHAUSTED;
      case DATA_LOSS -> NeedleException.Code.DATA_LOSS;
      case UNAUTHENTICATED -> NeedleException.Code.UNAUTHENTICATED;
      case INTERNAL, ERROR_CODE_UNSPECIFIED, UNRECOGNIZED -> NeedleException.Code.INTERNAL;
    };
    if (error.getSourceFailure()) {
      return new NeedleException(code, "source unavailable: " + error.getMessage() + " (worker " + worker
          + " is up; its source failed)", null, true, 0);
    }
    return new NeedleException(code, error.getMessage() + " (worker " + worker + ")", null, false,
        Integer.toUnsignedLong(error.getRetryAfterMs()));
  }

  static NeedleException fromDecode(DecodeException e, String where) {
    NeedleException.Code code = switch (e.kind()) {
      case CORRUPT -> NeedleException.Code.DATA_LOSS;
      case UNSUPPORTED -> NeedleException.Code.UNSUPPORTED;
      case INVALID_KEY -> NeedleException.Code.INVALID_ARGUMENT;
    };
    return new NeedleException(code, e.getMessage() + (where.isEmpty() ? "" : " (" + where + ")"), e);
  }
}
