package io.needle.worker;

import io.netty.channel.DefaultFileRegion;

/**
 * A zero-copy region over an {@link OpenFile} that releases the file instead of closing it.
 *
 * <p>Why a subclass of {@code DefaultFileRegion}: Netty's epoll transport uses native
 * {@code sendfile} only for that class; any other {@code FileRegion} is copied through user
 * space. The base class closes its channel when released, which would close the shared
 * descriptor under other in-flight sends, so {@link #deallocate} is overridden.
 */
final class PinnedFileRegion extends DefaultFileRegion {
  private final OpenFile file;

  /** Takes over one reference of {@code file}, released when the region is. */
  PinnedFileRegion(OpenFile file, long position, long count) {
    super(file.channel(), position, count);
    this.file = file;
  }

  @Override
  protected void deallocate() {
    file.release();
  }
}
