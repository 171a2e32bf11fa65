package io.needle.client;

import java.time.Duration;

import static java.util.Objects.requireNonNull;

/** A lookup that failed; {@link #code()} says how, and whether a retry can help. */
public final class NeedleException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why a call failed. */
  public enum Code {
    /** The table, a file or a column does not exist. */
    NOT_FOUND,
    /** The request is wrong: a key of the wrong type, a malformed table URI, ... */
    INVALID_ARGUMENT,
    /** The table lies outside the worker's roots, or this client's identity may not make the request. */
    PERMISSION_DENIED,
    /** The worker requires credentials (a client certificate or a token) and got none or wrong ones. */
    UNAUTHENTICATED,
    /** Valid Parquet that Needle cannot serve (encryption, a codec, ...). */
    UNSUPPORTED,
    /** Retryable: the worker is unreachable, draining, or its origin is down. */
    UNAVAILABLE,
    /** The deadline passed before the answer arrived. */
    DEADLINE_EXCEEDED,
    /** A limit was hit: too many keys, a response too large. */
    RESOURCE_EXHAUSTED,
    /** A table file is not valid Parquet (corrupt, truncated, or not Parquet at all). */
    DATA_LOSS,
    /** A bug in Needle. */
    INTERNAL
  }

  private final Code code;
  private final boolean sourceFailure;
  private final long retryAfterMillis;

  public NeedleException(Code code, String message) {
    this(code, message, null, false, 0);
  }

  public NeedleException(Code code, String message, Throwable cause) {
    this(code, message, cause, false, 0);
  }

  NeedleException(Code code, String message, Throwable cause, boolean sourceFailure, long retryAfterMillis) {
    super(code + ": " + message, cause);
    this.code = requireNonNull(code, "code is null");
    this.sourceFailure = sourceFailure;
    this.retryAfterMillis = retryAfterMillis;
  }

  public Code code() {
    return code;
  }

  /**
   * The worker's pushback: it refused the request for load (busy, queue full, draining) and asked
   * to be sent nothing for this long; zero when it gave no hint. The client already holds that
   * worker off for this long; a caller retrying by itself should wait at least this long too.
   */
  public Duration retryAfter() {
    return Duration.ofMillis(retryAfterMillis);
  }

  /**
   * True when a worker answered UNAVAILABLE because the table's source (S3) failed, not because
   * the worker is unwell: the client keeps routing to that worker, and does not retry elsewhere,
   * since every worker reads the same source.
   */
  public boolean isSourceFailure() {
    return sourceFailure;
  }

  /** True for failures that a retry (maybe on another worker) can fix. */
  public boolean isRetryable() {
    return code == Code.UNAVAILABLE || code == Code.DEADLINE_EXCEEDED;
  }
}
