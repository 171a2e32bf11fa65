package io.needle.metadata;

import org.apache.parquet.format.CompressionCodec;

/**
 * What the footer says of one column chunk, reduced to what the planner and the lazy loaders
 * need. Immutable; every offset has been checked against the file's data region at load time.
 *
 * <p>Key bounds ({@code hasBounds}, {@code minLong}...) are filled only for columns usable as
 * keys, normalised as {@link StatsOrder} describes.
 */
final class ChunkMeta {
  static final long ABSENT = -1;

  final CompressionCodec codec;
  /** First byte of the chunk (dictionary page if any, else first data page). */
  final long start;
  /** One past the chunk's last byte. */
  final long end;
  final long dataPageOffset;
  /** Footer's dictionary_page_offset when set and positive, else {@link #ABSENT}. */
  final long dictionaryPageOffset;
  /** The chunk's encodings say it is (at least partly) dictionary encoded. */
  final boolean dictionaryEncoded;
  final long columnIndexOffset;
  final int columnIndexLength;
  final long bloomFilterOffset;
  final int bloomFilterLength;

  final boolean hasBounds;
  final boolean allNull;
  final long minLong;
  final long maxLong;
  final byte[] minBytes;
  final byte[] maxBytes;

  ChunkMeta(
      CompressionCodec codec,
      long start,
      long end,
      long dataPageOffset,
      long dictionaryPageOffset,
      boolean dictionaryEncoded,
      long columnIndexOffset,
      int columnIndexLength,
      long bloomFilterOffset,
      int bloomFilterLength,
      boolean hasBounds,
      boolean allNull,
      long minLong,
      long maxLong,
      byte[] minBytes,
      byte[] maxBytes) {
    this.codec = codec;
    this.start = start;
    this.end = end;
    this.dataPageOffset = dataPageOffset;
    this.dictionaryPageOffset = dictionaryPageOffset;
    this.dictionaryEncoded = dictionaryEncoded;
    this.columnIndexOffset = columnIndexOffset;
    this.columnIndexLength = columnIndexLength;
    this.bloomFilterOffset = bloomFilterOffset;
    this.bloomFilterLength = bloomFilterLength;
    this.hasBounds = hasBounds;
    this.allNull = allNull;
    this.minLong = minLong;
    this.maxLong = maxLong;
    this.minBytes = minBytes;
    this.maxBytes = maxBytes;
  }

  boolean hasColumnIndex() {
    return columnIndexOffset != ABSENT;
  }

  boolean hasBloomFilter() {
    return bloomFilterOffset != ABSENT;
  }

  long heapBytes() {
    long bytes = 96;
    if (minBytes != null) {
      bytes += 16 + minBytes.length;
    }
    if (maxBytes != null) {
      bytes += 16 + maxBytes.length;
    }
    return bytes;
  }
}
