package io.needle.worker;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * A {@link TableSource} of files in a place (local directories, S3 prefixes) that also tells
 * what a location holds besides Parquet files: the metadata folder that an Iceberg table reads
 * through it ({@link IcebergTables}). As a table source on its own it serves directory tables:
 * every Parquet file under the location.
 */
interface TableStorage extends TableSource {

  /** The location's listing (cached; never older than the manifest TTL). */
  CompletableFuture<TableListing> listing(String tableUri);

  /** Lists the location again now and caches it; queued work is dropped past {@code deadline}. */
  CompletableFuture<TableListing> relisting(String tableUri, Executor executor, Deadline deadline);

  @Override
  default CompletableFuture<List<TableFile>> files(String tableUri) {
    return listing(tableUri).thenApply(TableListing::files);
  }

  @Override
  default CompletableFuture<List<TableFile>> relist(String tableUri, Executor executor, Deadline deadline) {
    return relisting(tableUri, executor, deadline).thenApply(TableListing::files);
  }
}
