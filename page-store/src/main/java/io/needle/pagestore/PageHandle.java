package io.needle.pagestore;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * A cached page, pinned: the bytes at {@code [position, position + length)} of {@link #channel()}
 * (the region file) stay exactly the page's until {@link #release()} is called, because the
 * region that holds them cannot be reused while a handle on it is outstanding.
 *
 * <p>The worker sends the page straight from the file (sendfile: {@code channel().transferTo}, or
 * a Netty {@code FileRegion} over the same coordinates — one that does <em>not</em> close the
 * channel, which the store owns) or from the mapped {@link #slice()}, and calls {@code release()}
 * exactly once when the send completed or failed. Releasing twice is harmless; using the handle
 * after releasing it is a bug that may send another page's bytes (which the client's CRC check
 * would then reject).
 *
 * <p>{@link #crc32c()} is the page's CRC32C computed when it entered the store; the store does not
 * re-read the bytes on a hit (unless configured to), so the receiver verifies it.
 */
public final class PageHandle implements AutoCloseable {
  private static final VarHandle RELEASED;

  static {
    try {
      RELEASED = MethodHandles.lookup().findVarHandle(PageHandle.class, "released", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final Region region;
  private final int offsetInRegion;
  private final int length;
  private final int crc32c;
  @SuppressWarnings("unused") // accessed through RELEASED
  private volatile int released;

  PageHandle(Region region, int offsetInRegion, int length, int crc32c) {
    this.region = region;
    this.offsetInRegion = offsetInRegion;
    this.length = length;
    this.crc32c = crc32c;
  }

  /** The region file. Owned by the store: never close it. */
  public FileChannel channel() {
    return region.channel();
  }

  /** Where the page starts in {@link #channel()}. */
  public long position() {
    return region.fileOffset() + offsetInRegion;
  }

  /** Page length in bytes. */
  public int length() {
    return length;
  }

  /** CRC32C of the page bytes, computed once when the page was stored. */
  public int crc32c() {
    return crc32c;
  }

  /** A read-only view of the page in the memory-mapped region file (no copy). */
  public ByteBuffer slice() {
    return region.mapped().slice(offsetInRegion, length);
  }

  /** Unpins the region. Idempotent. */
  public void release() {
    if (RELEASED.compareAndSet(this, 0, 1)) {
      region.release();
    }
  }

  @Override
  public void close() {
    release();
  }

  @Override
  public String toString() {
    return "PageHandle[region " + region.index() + " +" + offsetInRegion + ", " + length + " bytes, crc32c "
        + Integer.toHexString(crc32c) + "]";
  }
}
