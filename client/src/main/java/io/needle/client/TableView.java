package io.needle.client;

import io.needle.decode.AnswerHeader;
import io.needle.decode.DecodeException;
import io.needle.decode.FileSchema;
import io.needle.decode.KeyType;
import io.needle.decode.RowGroupDecoder;
import io.needle.decode.TableColumns;
import io.needle.protocol.proto.DescribeResponse;
import io.needle.protocol.proto.FileDescription;
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

  /** The schema id of a file the worker described without reading its footer (an Iceberg manifest's bounds). */
  private static final long NOT_READ = 0;

  private final List<FileEntry> files;
  private final FileRanges<FileEntry> ranges;
  private final Map<Long, FileSchema> schemas;
  private final KeyType keyType;
  private final long fetchedNanos;
  /** The table's columns matched by field id (an Iceberg table whose schema evolved), or null: by name. */
  private final TableColumns columns;
  private final Map<DecoderKey, FileDecoder> decoders = new ConcurrentHashMap<>();

  private record DecoderKey(long schemaId, List<String> fields) {}

  /**
   * Decodes one file's row groups into the table's rows: the file's own fields, then (when the
   * table matches columns by field id) the table's names, nulls and wider types.
   */
  record FileDecoder(RowGroupDecoder<Row> rows, TableColumns.Projection projection) {
    /** The table's row of a row decoded from the file. */
    Row tableRow(Row fileRow) {
      return projection == null ? fileRow : Row.decoded(projection.names(), projection.values(fileRow::get));
    }
  }

  private TableView(List<FileEntry> files, Map<Long, FileSchema> schemas, TableColumns columns, KeyType keyType,
      long fetchedNanos) {
    this.columns = columns;
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
    TableColumns columns = describe.getTableColumnsCount() == 0 ? null : TableColumns.of(describe.getTableColumnsList());
    KeyType keyType = null;
    for (FileDescription f : describe.getFilesList()) {
      FileSchema schema = schemas.get(f.getSchemaId());
      if (schema == null && f.getSchemaId() == NOT_READ) {
        continue; // described from the table's metadata: its schema comes with a later Describe
      }
      if (schema == null) {
        throw new DecodeException(DecodeException.Kind.CORRUPT, "describe lists a file with an unknown schema id");
      }
      String fileKey = columns == null ? keyColumn : columns.project(schema, keyColumn, List.of()).fileKey();
      if (fileKey != null) { // null: the file was written before the key column was added
        keyType = schema.keyType(fileKey);
        break;
      }
    }
    List<FileEntry> files = new java.util.ArrayList<>(describe.getFilesCount());
    for (FileDescription f : describe.getFilesList()) {
      boolean ranged = f.hasKeyMin() && f.hasKeyMax() && f.getKeyOrder() != KeyOrder.KEY_ORDER_UNKNOWN;
      files.add(new FileEntry(f.getPath(), f.getVersion(), ranged ? f.getKeyMin() : null, ranged ? f.getKeyMax() : null,
          ranged ? f.getKeyOrder() : KeyOrder.KEY_ORDER_UNKNOWN, Rendezvous.hash(f.getPath() + '\n' + f.getVersion())));
    }
    return new TableView(List.copyOf(files), Map.copyOf(schemas), columns, keyType, nowNanos);
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
      AnswerHeader answer = reply.lookup();
      for (int f = 0; f < answer.fileCount(); f++) {
        if (!schemas.containsKey(answer.schemaId(f))) {
          return false;
        }
      }
    }
    return true;
  }

  boolean isFresh(long nowNanos, long ttlNanos) {
    return nowNanos - fetchedNanos < ttlNanos;
  }

  FileDecoder decoder(long schemaId, String keyColumn, List<String> fields) throws DecodeException {
    DecoderKey key = new DecoderKey(schemaId, fields);
    FileDecoder decoder = decoders.get(key);
    if (decoder == null) {
      FileSchema schema = schemas.get(schemaId);
      if (schema == null) {
        throw new DecodeException(DecodeException.Kind.CORRUPT, "response names unknown schema " + schemaId);
      }
      if (columns == null) {
        decoder = new FileDecoder(new RowGroupDecoder<>(schema, keyColumn, fields, Row::decoded), null);
      } else {
        TableColumns.Projection p = columns.project(schema, keyColumn, fields);
        if (p.fileKey() == null) {
          throw new DecodeException(DecodeException.Kind.CORRUPT, "the worker answered from a file without the key column");
        }
        decoder = new FileDecoder(new RowGroupDecoder<>(schema, p.fileKey(), p.fileFields(), Row::decoded), p);
      }
      decoders.putIfAbsent(key, decoder);
    }
    return decoder;
  }
}
