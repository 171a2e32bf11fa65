package io.needle.client.internal;

/**
 * How keys of one key column travel: as {@code long} (INT32 and INT64 columns, whatever their
 * logical type) or as bytes (BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY columns). Converts the Java
 * values applications pass, and the text the CLI reads, into that form. Stub.
 */
public final class KeyType {
  /** True when keys travel as longs. */
  public boolean isLong() {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /** A Java key (Long, Integer, LocalDate, Instant, BigDecimal, ...) as a long. */
  public long toLong(Object key) throws DecodeException {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /** A Java key (String, byte[], UUID, BigDecimal, ...) as bytes. */
  public byte[] toBytes(Object key) throws DecodeException {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /** Parses CLI text into the Java value {@link #toLong} or {@link #toBytes} accepts. */
  public Object parseText(String text) throws DecodeException {
    throw new UnsupportedOperationException("not yet implemented");
  }
}
