package io.needle.metadata;

/** Builds the {@link ParquetException}s of the loaders, so every message names file and offset. */
final class Corruption {
  private Corruption() {}

  static ParquetException at(FileVersion version, long offset, String what) {
    return new ParquetException(
        ParquetException.Kind.CORRUPT, version.path() + " at offset " + offset + ": " + what);
  }

  static ParquetException at(FileVersion version, long offset, String what, Throwable cause) {
    return new ParquetException(
        ParquetException.Kind.CORRUPT, version.path() + " at offset " + offset + ": " + what, cause);
  }

  static ParquetException unsupported(FileVersion version, String what) {
    return new ParquetException(ParquetException.Kind.UNSUPPORTED, version.path() + ": " + what);
  }
}
