package io.needle.metadata;


/**
 * The lazily loaded, key-only parts of one leaf column across all row groups: page key bounds
 * and bloom filters. A null bound means "no usable page bounds: every page is a candidate"; a
 * null filter means the chunk has none. Immutable once published.
 */
final class KeyColumnState {
  final KeyPageBounds[] bounds;
  final SplitBlockBloomFilter[] blooms;
  final long heapBytes;

  KeyColumnState(KeyPageBounds[] bounds, SplitBlockBloomFilter[] blooms) {
    this.bounds = bounds;
    this.blooms = blooms;
    long bytes = 32 + 16 + bounds.length * 8L * 2;
    for (KeyPageBounds b : bounds) {
      bytes += b == null ? 0 : b.heapBytes();
    }
    for (SplitBlockBloomFilter f : blooms) {
      bytes += f == null ? 0 : f.heapBytes();
    }
    this.heapBytes = bytes;
  }
}
