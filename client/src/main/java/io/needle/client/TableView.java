package io.needle.client;

import io.needle.decode.DecodeException;
import io.needle.decode.FileSchema;
import io.needle.decode.KeyType;
import io.needle.decode.RowGroupDecoder;
import io.needle.protocol.proto.DescribeResponse;
import io.needle.protocol.proto.FileDescription;
import io.needle.protocol.proto.FileResult;
import io.needle.protocol.proto.Key;
import io.needle.protocol.proto.KeyOrder;
import io.needle.protocol.proto.Schema;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a client knows of a table from one Describe: its files (the manifest that routing and
 * pruning use), its schemas by id and the key's type. Immutable apart from the decoder cache,
 * which is safe to share between threads.
 */
final class TableView {
  /**
   * One file of the manifest. {@code keyMin}/{@code keyMax} are null when the worker knows no key
   * range (no statistics, or none in an order it trusts), and compare in {@code keyOrder}; {@code routingHash} hashes path and version, so a rewritten file may
   * move to another owner while its stale pages simply age out of the old one.
   */
  record FileEntry(String path, String version, Key keyMin, Key keyMax, KeyOrder keyOrder, long routingHash)
      implements FileRanges.Bounded {}

  private final List<FileEntry> files;
  private final FileRanges<FileEntry> ranges;
  private final Map<Long, FileSchema> schemas;
  private final KeyType keyType;
  private final long fetchedNanos;
  private final Map<DecoderKey, RowGroupDecoder<Row>> decoders = new ConcurrentHashMap<>();

  private record DecoderKey(long schemaId, List<String> fields) {}

  private TableView(List<FileEntry> files, Map<Long, FileSchema> schemas, KeyType keyType, long fetchedNanos) {
    this.files = files;
    this.ranges = FileRanges.of(files);
    this.schemas = schemas;
    this.keyType = keyType;
    this.fetchedNanos = fetchedNanos;
  }

  static TableView of(DescribeResponse describe, String keyColumn, long nowNanos) throws DecodeException {
    Map<Long, FileSchema> schemas = new HashMap<>();
    for (Schema s : describe.getSchemasList()) {
      schemas.put(s.getId(), FileSchema.parse(s.getParquetSchema().toByteArray()));
    }
    KeyType keyType = null;
    if (describe.getFilesCount() > 0) {
      FileSchema first = schemas.get(describe.getFiles(0).getSchemaId());
      if (first == null) {
        throw new DecodeException(DecodeException.Kind.CORRUPT, "describe lists a file with an unknown schema id");
      }
      keyType = first.keyType(keyColumn);
    }
    List<FileEntry> files = new java.util.ArrayList<>(describe.getFilesCount());
    for (FileDescription f : describe.getFilesList()) {
      boolean ranged = f.hasKeyMin() && f.hasKeyMax() && f.getKeyOrder() != KeyOrder.KEY_ORDER_UNKNOWN;
      files.add(new FileEntry(f.getPath(), f.getVersion(), ranged ? f.getKeyMin() : null, ranged ? f.getKeyMax() : null,
          ranged ? f.getKeyOrder() : KeyOrder.KEY_ORDER_UNKNOWN, Rendezvous.hash(f.getPath() + '\n' + f.getVersion())));
    }
    return new TableView(List.copyOf(files), Map.copyOf(schemas), keyType, nowNanos);
  }

  /** The table's files, sorted by path. */
  List<FileEntry> files() {
    return files;
  }

  /** The files by key range, for routing a lookup's keys. */
  FileRanges<FileEntry> ranges() {
    return ranges;
  }

  /** Null when the table has no files. */
  KeyType keyType() {
    return keyType;
  }

  /** Whether every file of these lookup replies has a schema this view knows. */
  boolean knowsSchemasOf(List<Reply> replies) {
    for (Reply reply : replies) {
      for (FileResult file : reply.response().getLookup().getFilesList()) {
        if (!schemas.containsKey(file.getSchemaId())) {
          return false;
        }
      }
    }
    return true;
  }

  boolean isFresh(long nowNanos, long ttlNanos) {
    return nowNanos - fetchedNanos < ttlNanos;
  }

  RowGroupDecoder<Row> decoder(long schemaId, String keyColumn, List<String> fields) throws DecodeException {
    DecoderKey key = new DecoderKey(schemaId, fields);
    RowGroupDecoder<Row> decoder = decoders.get(key);
    if (decoder == null) {
      FileSchema schema = schemas.get(schemaId);
      if (schema == null) {
        throw new DecodeException(DecodeException.Kind.CORRUPT, "response names unknown schema " + schemaId);
      }
      decoder = new RowGroupDecoder<>(schema, keyColumn, fields, Row::decoded);
      decoders.putIfAbsent(key, decoder);
    }
    return decoder;
  }
}
