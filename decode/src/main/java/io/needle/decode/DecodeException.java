package io.needle.decode;

/** Pages or a schema the client cannot decode; {@link #kind()} decides the error the caller sees. */
public final class DecodeException extends Exception {
  private static final long serialVersionUID = 1L;

  public enum Kind {
    /** Bytes that are not what the header says: bad page header, short body, bad compression. */
    CORRUPT,
    /** Valid Parquet this client cannot decode (codec, encoding, encryption, type). */
    UNSUPPORTED,
    /** The key does not fit the key column's type. */
    INVALID_KEY
  }

  private final Kind kind;

  public DecodeException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public DecodeException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
