package io.needle.metadata;

/**
 * A file or a lookup the metadata cache cannot serve; {@link #kind()} says why and decides the
 * error code the caller sees.
 */
public final class ParquetException extends Exception {
  private static final long serialVersionUID = 1L;

  public enum Kind {
    /** Not a Parquet file, or a damaged one: bad magic, footer out of range, unparseable Thrift. */
    CORRUPT,
    /** Valid Parquet this version cannot serve (encrypted footer or columns, ...). */
    UNSUPPORTED,
    /** The lookup names a column the file does not have. */
    UNKNOWN_COLUMN,
    /** The key column is not usable as a key, or the keys do not fit its type. */
    INVALID_KEY
  }

  private final Kind kind;

  public ParquetException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public ParquetException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
