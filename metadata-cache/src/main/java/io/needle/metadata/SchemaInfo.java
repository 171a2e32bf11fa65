package io.needle.metadata;

/**
 * A file's schema as the client receives it.
 *
 * @param id fingerprint of {@code thriftFileMetaData} (64-bit, stable across processes)
 * @param thriftFileMetaData Thrift-compact {@code FileMetaData} holding only version, schema and
 *     created_by (num_rows 0, no row groups)
 * @param createdBy the writer's created_by string, or null
 */
public record SchemaInfo(long id, byte[] thriftFileMetaData, String createdBy) {}
