package io.needle.worker;

import io.needle.pagestore.PageHandle;
import io.netty.channel.DefaultFileRegion;

/**
 * A zero-copy region over a page in the page store's region file; releasing it unpins the page
 * instead of closing the store's channel (see {@link PinnedFileRegion} for why a subclass). Only
 * for a page that could not be copied ({@link AnswerPayload}): the pin ends when {@code sendfile}
 * returns, but the socket still refers to the file's cached pages until the peer has read them.
 */
final class StoredPageRegion extends DefaultFileRegion {
  private final PageHandle handle;

  StoredPageRegion(PageHandle handle) {
    super(handle.channel(), handle.position(), handle.length());
    this.handle = handle;
  }

  @Override
  protected void deallocate() {
    handle.release();
  }
}
