/**
 * Footers, column/offset indexes and bloom filters parsed into primitive arrays, and the lookup
 * planner over them. Exports its one API package; parsing and the cache are package-private.
 */
@SuppressWarnings("requires-transitive-automatic") // parquet-java has no module names of its own (DESIGN.md, "Modules")
module io.needle.metadata {
  requires com.github.benmanes.caffeine;
  // The API speaks parquet's types (ColumnDescriptor, CompressionCodec, FileMetaData).
  requires transitive parquet.column;
  requires transitive parquet.format.structures;

  exports io.needle.metadata;
}
