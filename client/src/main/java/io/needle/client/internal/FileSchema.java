package io.needle.client.internal;

import org.apache.parquet.schema.MessageType;

/** A file's schema as the worker's Describe sends it (see SchemaInfo on the worker side). Stub. */
public final class FileSchema {
  /** Parses a Thrift-compact FileMetaData holding version, schema and created_by. */
  public static FileSchema parse(byte[] thriftFileMetaData) throws DecodeException {
    throw new UnsupportedOperationException("not yet implemented");
  }

  public MessageType messageType() {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /** The writer's created_by, or null. */
  public String createdBy() {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /** The key type of a top-level primitive non-repeated column usable as a key. */
  public KeyType keyType(String keyColumn) throws DecodeException {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /** True when the schema has a top-level field of that name. */
  public boolean hasField(String name) {
    throw new UnsupportedOperationException("not yet implemented");
  }
}
