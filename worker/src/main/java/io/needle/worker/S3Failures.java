package io.needle.worker;

import io.needle.protocol.proto.ErrorCode;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.exception.SdkServiceException;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Turns what the S3 SDK throws into {@link S3ReadException}s with a client-facing code. Stateless. */
final class S3Failures {
  private S3Failures() {}

  static S3ReadException classify(Throwable error, String what) {
    Throwable t = error;
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof S3ReadException already) {
      return already;
    }
    if (t instanceof SdkServiceException service) {
      int status = service.statusCode();
      String detail = " (HTTP " + status + ", " + TableScope.printable(String.valueOf(service.getMessage())) + ")";
      if (status == 412) {
        return new S3ReadException(ErrorCode.UNAVAILABLE, true, what + ": the object changed since it was listed" + detail, t);
      }
      if (status == 404) {
        return new S3ReadException(ErrorCode.NOT_FOUND, true, what + ": no such bucket or object" + detail, t);
      }
      if (status == 403 || status == 401) {
        return new S3ReadException(ErrorCode.PERMISSION_DENIED, false, what + ": access denied by S3" + detail, t);
      }
      if (service.isThrottlingException() || status == 429 || status == 503) {
        return new S3ReadException(ErrorCode.UNAVAILABLE, false, what + ": S3 is throttling" + detail, t);
      }
      if (status >= 500) {
        return new S3ReadException(ErrorCode.UNAVAILABLE, false, what + ": S3 server error" + detail, t);
      }
      return new S3ReadException(ErrorCode.INTERNAL, false, what + ": S3 refused the request" + detail, t);
    }
    if (t instanceof ApiCallTimeoutException || t instanceof ApiCallAttemptTimeoutException) {
      return new S3ReadException(ErrorCode.UNAVAILABLE, false, what + ": S3 did not answer in time (" + t.getMessage() + ")", t);
    }
    if (t instanceof SdkException) {
      return new S3ReadException(ErrorCode.UNAVAILABLE, false, what + ": S3 unreachable (" + t.getMessage() + ")", t);
    }
    return new S3ReadException(ErrorCode.UNAVAILABLE, false, what + ": " + t, t);
  }
}
