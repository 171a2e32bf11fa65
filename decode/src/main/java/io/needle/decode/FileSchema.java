package io.needle.decode;

import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.Util;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Objects;

/**
 * A file's schema as the worker's Describe sends it: a Thrift-compact {@code FileMetaData} that
 * holds only version, schema and created_by, converted once into a parquet {@link MessageType}.
 * Immutable and thread-safe.
 */
public final class FileSchema {
  private final MessageType messageType;
  private final String createdBy;

  private FileSchema(MessageType messageType, String createdBy) {
    this.messageType = messageType;
    this.createdBy = createdBy;
  }

  /** Parses a Thrift-compact FileMetaData holding version, schema and created_by. */
  public static FileSchema parse(byte[] thriftFileMetaData) throws DecodeException {
    Objects.requireNonNull(thriftFileMetaData, "thriftFileMetaData is null");
    FileMetaData metaData;
    try {
      metaData = Util.readFileMetaData(new ByteArrayInputStream(thriftFileMetaData));
    } catch (IOException | RuntimeException e) {
      throw new DecodeException(DecodeException.Kind.CORRUPT,
          "cannot parse the schema's FileMetaData (" + thriftFileMetaData.length + " bytes): " + e.getMessage(), e);
    }
    return new FileSchema(SchemaConverter.toMessageType(metaData.getSchema()), metaData.getCreated_by());
  }

  /** A schema built directly from a parquet {@link MessageType} (for tests and tools). */
  public static FileSchema of(MessageType messageType, String createdBy) {
    return new FileSchema(Objects.requireNonNull(messageType, "messageType is null"), createdBy);
  }

  public MessageType messageType() {
    return messageType;
  }

  /** The writer's created_by, or null. */
  public String createdBy() {
    return createdBy;
  }

  /** The key type of a top-level primitive non-repeated column usable as a key. */
  public KeyType keyType(String keyColumn) throws DecodeException {
    Objects.requireNonNull(keyColumn, "keyColumn is null");
    if (!messageType.containsField(keyColumn)) {
      throw new DecodeException(DecodeException.Kind.INVALID_KEY,
          "key column '" + keyColumn + "' is not a top-level field of the schema " + fieldNames());
    }
    Type type = messageType.getType(keyColumn);
    if (!type.isPrimitive() || type.isRepetition(Type.Repetition.REPEATED)) {
      throw new DecodeException(DecodeException.Kind.UNSUPPORTED,
          "key column '" + keyColumn + "' must be a non-repeated primitive column, not " + type);
    }
    return KeyType.of(keyColumn, type.asPrimitiveType());
  }

  /** True when the schema has a top-level field of that name. */
  public boolean hasField(String name) {
    return name != null && messageType.containsField(name);
  }

  private String fieldNames() {
    return messageType.getFields().stream().map(Type::getName).toList().toString();
  }

  @Override
  public String toString() {
    return "FileSchema{createdBy=" + createdBy + ", " + messageType + "}";
  }
}
