package io.needle.worker;

import io.needle.metadata.FileVersion;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Where a table's data files and their bytes come from: a local directory, an S3 prefix, an
 * Iceberg table. {@link TableService} plans and answers through this interface only and never
 * asks which kind of table it holds.
 *
 * <p>Contract shared by every source: a table URI is checked against the worker's roots before
 * anything is read (a refusal is PERMISSION_DENIED, whatever exists); a listing is a sorted list
 * of {@link TableFile}s, each naming exactly one version of one file, and is trusted for the
 * manifest TTL, then refreshed incrementally (versions that stayed keep their cached metadata and
 * pages); an opened {@link OpenFile} reads only the bytes of its listed version, and a read that
 * finds another version fails instead of mixing them.
 */
interface TableSource {

  /** The table's data files, sorted by relative path; completes on the loader when not cached. */
  CompletableFuture<List<TableFile>> files(String tableUri);

  /**
   * Lists the table again now and caches the new listing (the Refresh RPC, and the retry after a
   * version changed under a listing); work queued on {@code executor} is dropped past {@code deadline}.
   */
  CompletableFuture<List<TableFile>> relist(String tableUri, Executor executor, Deadline deadline);

  /** Forgets the table's listing, so that the next request lists it again. */
  void expire(String tableUri);

  /** A retained open version of {@code file} when that needs no I/O, else null; never blocks. */
  OpenFile openIfPresent(TableFile file);

  /**
   * A retained open version of {@code file} (the caller releases it); may block: loader only.
   *
   * @throws ServiceException NOT_FOUND when the file changed or vanished since it was listed
   */
  OpenFile open(TableFile file) throws ServiceException;

  /** Drops what is held for a version found corrupt or changed, so that it is read again. */
  void forget(FileVersion version);
}
