package io.needle.pagestore;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One region of the region file: its coordinates, its generation and its pin count.
 *
 * <p>Design: readers pin a region with {@link #tryAcquire} (a CAS on {@code state}) and never
 * block; the writer retires a region by setting the DRAINING bit, after which no new pin
 * succeeds, and reuses it only once the pin count is back to zero. {@code seq} is the region's
 * generation: a store-wide sequence number assigned each time the region is (re)opened for
 * writing, written into the region header and into every record header. An index entry carries
 * the low 15 bits of the generation it was written under; a pin for a different generation fails,
 * so a stale index entry can never reach a newer page's bytes.
 *
 * <p>Threading: {@code state} and {@code seq} are read by any thread; the remaining mutable fields
 * are touched only by the writer (under the store's write lock).
 */
final class Region {
  static final int DRAINING = 1 << 30;
  static final long GENERATION_MASK = 0x7FFF;

  enum Status { FREE, OPEN, SEALED, DRAINING }

  private final int index;
  private final long fileOffset;
  private final FileChannel channel;
  private final ByteBuffer mappedChunk; // little-endian, shared by the regions of one chunk; absolute access only
  private final int chunkOffset;
  private final int regionBytes;
  private final AtomicInteger state = new AtomicInteger(DRAINING);
  private volatile long seq;

  // Writer-only state.
  Status status = Status.FREE;
  int writeOffset;
  boolean allocated;

  Region(int index, long fileOffset, int regionBytes, FileChannel channel, ByteBuffer mappedChunk, int chunkOffset) {
    this.index = index;
    this.fileOffset = fileOffset;
    this.regionBytes = regionBytes;
    this.channel = channel;
    this.mappedChunk = mappedChunk;
    this.chunkOffset = chunkOffset;
  }

  int index() {
    return index;
  }

  long fileOffset() {
    return fileOffset;
  }

  FileChannel channel() {
    return channel;
  }

  int regionBytes() {
    return regionBytes;
  }

  /** The mapped region file from this region's start: {@code mapped().slice(offsetInRegion, n)}. */
  ByteBuffer mapped() {
    return mappedChunk.slice(chunkOffset, regionBytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
  }

  int readInt(int offsetInRegion) {
    return mappedChunk.getInt(chunkOffset + offsetInRegion);
  }

  long readLong(int offsetInRegion) {
    return mappedChunk.getLong(chunkOffset + offsetInRegion);
  }

  short readShort(int offsetInRegion) {
    return mappedChunk.getShort(chunkOffset + offsetInRegion);
  }

  /** A window on {@code [offsetInRegion, offsetInRegion + length)}, independent of other readers. */
  ByteBuffer window(int offsetInRegion, int length) {
    return mappedChunk.slice(chunkOffset + offsetInRegion, length);
  }

  long seq() {
    return seq;
  }

  /** Pins the region if it is readable and in generation {@code generationLow}. */
  boolean tryAcquire(long generationLow) {
    for (;;) {
      int s = state.get();
      if ((s & DRAINING) != 0) {
        return false;
      }
      if (state.compareAndSet(s, s + 1)) {
        break;
      }
    }
    if ((seq & GENERATION_MASK) != generationLow) {
      release();
      return false;
    }
    return true;
  }

  void release() {
    state.decrementAndGet();
  }

  /** Writer: no new pins from now on. */
  void beginDraining() {
    for (;;) {
      int s = state.get();
      if ((s & DRAINING) != 0 || state.compareAndSet(s, s | DRAINING)) {
        return;
      }
    }
  }

  /** Writer: true when draining and no pin is outstanding, so the bytes may be overwritten. */
  boolean drained() {
    return state.get() == DRAINING;
  }

  /** Writer: the region holds generation {@code newSeq} and is readable. */
  void openForReaders(long newSeq) {
    seq = newSeq; // before the state write that lets readers in
    state.set(0);
  }

  int pins() {
    return state.get() & ~DRAINING;
  }
}
