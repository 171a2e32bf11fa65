/**
 * The page cache on local disk. Exports its one API package; the region log, index, admission
 * and eviction inside it are package-private.
 */
@SuppressWarnings("requires-automatic") // Chronicle names its modules in its manifests only
module io.needle.pagestore {
  requires chronicle.bytes;
  requires chronicle.core;
  requires org.slf4j;

  exports io.needle.pagestore;
  exports io.needle.pagestore.hooks; // test hooks (a slow disk): used by tests through the worker's TestHooks
}
