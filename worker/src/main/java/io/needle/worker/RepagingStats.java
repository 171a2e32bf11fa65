package io.needle.worker;

/**
 * What re-paging did since the worker started.
 *
 * @param chunksRepaged chunks rewritten into small pages (each read once from the source)
 * @param tablesLoaded re-paged chunks found in the page store (after a restart, or after the
 *     file's metadata left the cache) and served without re-paging
 * @param chunksDeclined attempts given up (chunk too large, store full, undecodable, I/O error)
 * @param chunksDropped re-paged chunks abandoned because a page of theirs left the store or failed
 *     a client's checksum; lookups went back to the file's pages
 * @param sourceBytesRead bytes of column chunks read from the source to re-page them
 * @param pageBytesStored bytes of re-paged pages written to the store
 * @param buildNanos time spent re-paging (read, decode, re-encode, store), summed over chunks
 * @param pending chunks queued or being re-paged now
 */
public record RepagingStats(long chunksRepaged, long tablesLoaded, long chunksDeclined, long chunksDropped,
    long sourceBytesRead, long pageBytesStored, long buildNanos, int pending) {
  static final RepagingStats NONE = new RepagingStats(0, 0, 0, 0, 0, 0, 0, 0);
}
