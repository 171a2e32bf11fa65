package io.needle.worker;

import io.needle.protocol.proto.ErrorCode;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.exception.SdkServiceException;

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;
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
        return new S3ReadException(ErrorCode.UNAVAILABLE, S3ReadException.Reason.CHANGED, what + ": the object changed since it was listed" + detail, t);
      }
      if (status == 404) {
        return new S3ReadException(ErrorCode.NOT_FOUND, S3ReadException.Reason.NOT_FOUND, what + ": no such bucket or object" + detail, t);
      }
      if (status == 403 || status == 401) {
        return new S3ReadException(ErrorCode.PERMISSION_DENIED, S3ReadException.Reason.DENIED, what + ": access denied by S3" + detail, t);
      }
      if (service.isThrottlingException() || status == 429 || status == 503) {
        return new S3ReadException(ErrorCode.UNAVAILABLE, S3ReadException.Reason.THROTTLED, what + ": S3 is throttling" + detail, t);
      }
      if (status >= 500) {
        return new S3ReadException(ErrorCode.UNAVAILABLE, S3ReadException.Reason.SERVER_ERROR, what + ": S3 server error" + detail, t);
      }
      return new S3ReadException(ErrorCode.INTERNAL, S3ReadException.Reason.REJECTED, what + ": S3 refused the request" + detail, t);
    }
    // The SDK retries a refused connection until the call times out; the first attempts' causes
    // stay on the final exception as suppressed ones, so look there before blaming a timeout.
    Throwable network = firstCause(t, c -> c instanceof UnknownHostException || c instanceof ConnectException);
    if (network instanceof UnknownHostException) {
      return new S3ReadException(ErrorCode.UNAVAILABLE, S3ReadException.Reason.DNS, what + ": the S3 endpoint's host name does not resolve "
          + "(DNS: " + network.getMessage() + "); check --s3-endpoint", t);
    }
    if (network instanceof io.netty.channel.ConnectTimeoutException) { // a ConnectException, but nobody refused
      return new S3ReadException(ErrorCode.UNAVAILABLE, S3ReadException.Reason.TIMEOUT, what
          + ": the S3 endpoint did not accept the connection in time (" + network.getMessage() + ")", t);
    }
    if (network instanceof ConnectException) {
      return new S3ReadException(ErrorCode.UNAVAILABLE, S3ReadException.Reason.CONNECTION_REFUSED, what + ": the S3 endpoint refused the connection ("
          + network.getMessage() + "); is it up, and is --s3-endpoint right?", t);
    }
    // The HTTP client's read timeout and the SDK's attempt timeout are both the attempt timeout, so
    // either may end a silent attempt first; the read timeout came out as "unreachable"
    // (S3SourceErrorsTest, once in CI).
    if (t instanceof ApiCallTimeoutException || t instanceof ApiCallAttemptTimeoutException
        || firstCause(t, c -> c instanceof io.netty.handler.timeout.TimeoutException
            || c instanceof java.net.SocketTimeoutException) != null) {
      return new S3ReadException(ErrorCode.UNAVAILABLE, S3ReadException.Reason.TIMEOUT, what + ": S3 did not answer in time (" + t.getMessage() + ")", t);
    }
    if (t instanceof SdkException) {
      return new S3ReadException(ErrorCode.UNAVAILABLE, false, what + ": S3 unreachable (" + t.getMessage() + ")", t);
    }
    return new S3ReadException(ErrorCode.UNAVAILABLE, false, what + ": " + t, t);
  }

  /** The first of {@code error}'s causes and suppressed exceptions (itself included) that {@code is}, or null. */
  private static Throwable firstCause(Throwable error, java.util.function.Predicate<Throwable> is) {
    Deque<Throwable> todo = new ArrayDeque<>();
    Set<Throwable> seen = new HashSet<>();
    todo.add(error);
    while (!todo.isEmpty() && seen.size() < 64) {
      Throwable t = todo.poll();
      if (!seen.add(t)) {
        continue;
      }
      if (is.test(t)) {
        return t;
      }
      if (t.getCause() != null) {
        todo.add(t.getCause());
      }
      todo.addAll(java.util.List.of(t.getSuppressed()));
    }
    return null;
  }
}
