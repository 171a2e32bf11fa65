package io.needle.worker;

import io.needle.decode.DecodeException;
import io.needle.decode.FileSchema;
import io.needle.decode.TableColumns;
import io.needle.metadata.LookupSpec;
import io.needle.metadata.SchemaInfo;
import io.needle.protocol.proto.ErrorCode;
import io.needle.protocol.proto.TableColumn;
import org.apache.parquet.schema.Type;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The columns of an Iceberg table whose schema evolved, matched to each data file's fields by
 * field id ({@link TableColumns}): what a lookup's column names mean in one file. Shared by every
 * file of a snapshot; the client gets the same columns in the Describe and decodes by the same rule.
 */
final class EvolvedColumns {
  /** Parsed file schemas kept, by schema id: a table has a handful (one per schema its files were written under). */
  private static final int MAX_CACHED_SCHEMAS = 256;

  private final List<TableColumn> wire;
  private final TableColumns columns;
  private final Map<Long, FileSchema> schemas = new ConcurrentHashMap<>();

  EvolvedColumns(List<TableColumn> wire) throws DecodeException {
    this.wire = List.copyOf(wire);
    this.columns = TableColumns.of(this.wire);
  }

  /** The columns as the Describe lists them. */
  List<TableColumn> wire() {
    return wire;
  }

  /** {@code spec} in the file's own field names; null when the file has no key field (none of its rows match). */
  LookupSpec inFile(SchemaInfo schema, LookupSpec spec) throws ServiceException {
    TableColumns.Projection p = project(schema, spec.keyColumn(), spec.fields());
    return p.fileKey() == null ? null : new LookupSpec(p.fileKey(), spec.keys(), p.fileFields());
  }

  /** The file's name of the table's key column, or null when the file has no such field. */
  String fileKey(SchemaInfo schema, String keyColumn) throws ServiceException {
    return project(schema, keyColumn, List.of()).fileKey();
  }

  /** The name of the file's top-level field with {@code fieldId}, or null. */
  String fieldName(SchemaInfo schema, int fieldId) throws ServiceException {
    return fieldName(parsed(schema), fieldId);
  }

  static String fieldName(FileSchema schema, int fieldId) {
    for (Type field : schema.messageType().getFields()) {
      if (field.getId() != null && field.getId().intValue() == fieldId) {
        return field.getName();
      }
    }
    return null;
  }

  private TableColumns.Projection project(SchemaInfo schema, String keyColumn, List<String> fields)
      throws ServiceException {
    try {
      return columns.project(parsed(schema), keyColumn, fields);
    } catch (IllegalArgumentException e) {
      throw new ServiceException(ErrorCode.NOT_FOUND, e.getMessage());
    } catch (DecodeException e) {
      throw new ServiceException(e.kind() == DecodeException.Kind.INVALID_KEY ? ErrorCode.NOT_FOUND : ErrorCode.UNSUPPORTED,
          e.getMessage());
    }
  }

  private FileSchema parsed(SchemaInfo schema) throws ServiceException {
    FileSchema known = schemas.get(schema.id());
    if (known != null) {
      return known;
    }
    FileSchema parsed;
    try {
      parsed = FileSchema.parse(schema.thriftFileMetaData());
    } catch (DecodeException e) {
      throw new ServiceException(ErrorCode.DATA_LOSS, "a data file's schema does not parse: " + e.getMessage(), e);
    }
    if (schemas.size() < MAX_CACHED_SCHEMAS) {
      schemas.put(schema.id(), parsed);
    }
    return parsed;
  }
}
