package io.needle.metadata;

import org.apache.parquet.column.values.bloomfilter.BlockSplitBloomFilter;

/**
 * The lazily loaded, key-only parts of one leaf column across all row groups: page key bounds
 * and bloom filters. A null bound means "no usable page bounds: every page is a candidate"; a
 * null filter means the chunk has none. Immutable once published.
 */
final class KeyColumnState {
  final KeyPageBounds[] bounds;
  final BlockSplitBloomFilter[] blooms;
  final long heapBytes;

  KeyColumnState(KeyPageBounds[] bounds, BlockSplitBloomFilter[] blooms) {
    this.bounds = bounds;
    this.blooms = blooms;
    long bytes = 32 + 16 + bounds.length * 8L * 2;
    for (KeyPageBounds b : bounds) {
      bytes += b == null ? 0 : b.heapBytes();
    }
    for (BlockSplitBloomFilter f : blooms) {
      bytes += f == null ? 0 : 64 + f.getBitsetSize();
    }
    this.heapBytes = bytes;
  }
}
