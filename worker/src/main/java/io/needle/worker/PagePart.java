package io.needle.worker;

import io.needle.pagestore.PageHandle;

/**
 * Where some payload bytes of a response come from. Each part owns what it references (a file
 * reference, a pinned page) until the transport releases it, or {@link #release()} is called.
 */
sealed interface PagePart {
  long length();

  void release();

  /** Bytes of the source file itself, sent with sendfile; may cover several adjacent pages. */
  record FileSpan(OpenFile file, long offset, long length) implements PagePart {
    @Override
    public void release() {
      file.release();
    }
  }

  /** A page held in the page store, pinned; sent with sendfile from the region file. */
  record Stored(PageHandle handle) implements PagePart {
    @Override
    public long length() {
      return handle.length();
    }

    @Override
    public void release() {
      handle.release();
    }
  }

  /** A page just read from the source (a miss), sent from the heap. */
  record Fetched(byte[] bytes) implements PagePart {
    @Override
    public long length() {
      return bytes.length;
    }

    @Override
    public void release() {}
  }
}
