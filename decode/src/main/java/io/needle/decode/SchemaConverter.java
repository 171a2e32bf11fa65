package io.needle.decode;

import org.apache.parquet.format.FieldRepetitionType;
import org.apache.parquet.format.LogicalType;
import org.apache.parquet.format.SchemaElement;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.OriginalType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;

import java.util.List;

/**
 * Turns the flat, depth-first Thrift {@code SchemaElement} list of a footer into a parquet
 * {@link MessageType}, without parquet-hadoop's {@code ParquetMetadataConverter}.
 *
 * <p>It follows that converter's rules so that the client and the reference reader see the same
 * schema: a {@code LogicalType} union wins; a legacy {@code converted_type} is applied on top only
 * when it differs from what the logical type implies (or when there is no logical type); a union
 * member this library does not know yields no annotation.
 */
final class SchemaConverter {
  private final List<SchemaElement> elements;
  private int next;

  private SchemaConverter(List<SchemaElement> elements) {
    this.elements = elements;
  }

  static MessageType toMessageType(List<SchemaElement> elements) throws DecodeException {
    if (elements == null || elements.isEmpty()) {
      throw new DecodeException(DecodeException.Kind.CORRUPT, "schema has no elements");
    }
    try {
      SchemaConverter converter = new SchemaConverter(elements);
      SchemaElement root = elements.get(0);
      converter.next = 1;
      Types.MessageTypeBuilder builder = Types.buildMessage();
      converter.children(builder, root.num_children, 1);
      if (converter.next != elements.size()) {
        throw new DecodeException(DecodeException.Kind.CORRUPT,
            "schema has " + elements.size() + " elements but the tree under the root uses " + converter.next);
      }
      return builder.named(root.name == null ? "schema" : root.name);
    } catch (RuntimeException e) {
      throw new DecodeException(DecodeException.Kind.CORRUPT, "invalid schema: " + e.getMessage(), e);
    }
  }

  @SuppressWarnings({"rawtypes", "unchecked"})
  private void children(Types.GroupBuilder<?> parent, int count, int depth) throws DecodeException {
    if (count < 0 || depth > 100) {
      throw new DecodeException(DecodeException.Kind.CORRUPT, "invalid schema tree: num_children " + count + " at depth " + depth);
    }
    for (int i = 0; i < count; i++) {
      if (next >= elements.size()) {
        throw new DecodeException(DecodeException.Kind.CORRUPT, "schema declares more children than it has elements");
      }
      SchemaElement e = elements.get(next++);
      Type.Repetition repetition = repetition(e);
      Types.Builder builder;
      if (e.isSetType()) {
        Types.PrimitiveBuilder<?> p = parent.primitive(primitive(e), repetition);
        if (e.isSetType_length()) {
          p.length(e.type_length);
        }
        if (e.isSetPrecision()) {
          p.precision(e.precision);
        }
        if (e.isSetScale()) {
          p.scale(e.scale);
        }
        builder = p;
      } else {
        Types.GroupBuilder<?> g = parent.group(repetition);
        children(g, e.num_children, depth + 1);
        builder = g;
      }
      LogicalTypeAnnotation logical = e.isSetLogicalType() ? logical(e.logicalType) : null;
      if (logical != null) {
        builder.as(logical);
      }
      if (e.isSetConverted_type()) {
        OriginalType original = OriginalType.valueOf(e.converted_type.name());
        OriginalType implied = logical == null ? null : logical.toOriginalType();
        if (!original.equals(implied)) {
          builder.as(original);
        }
      }
      if (e.isSetField_id()) {
        builder.id(e.field_id);
      }
      builder.named(e.name);
    }
  }

  private static Type.Repetition repetition(SchemaElement e) {
    FieldRepetitionType r = e.repetition_type;
    if (r == null) {
      return Type.Repetition.OPTIONAL;
    }
    return switch (r) {
      case REQUIRED -> Type.Repetition.REQUIRED;
      case OPTIONAL -> Type.Repetition.OPTIONAL;
      case REPEATED -> Type.Repetition.REPEATED;
    };
  }

  private static PrimitiveTypeName primitive(SchemaElement e) {
    return switch (e.type) {
      case BOOLEAN -> PrimitiveTypeName.BOOLEAN;
      case INT32 -> PrimitiveTypeName.INT32;
      case INT64 -> PrimitiveTypeName.INT64;
      case INT96 -> PrimitiveTypeName.INT96;
      case FLOAT -> PrimitiveTypeName.FLOAT;
      case DOUBLE -> PrimitiveTypeName.DOUBLE;
      case BYTE_ARRAY -> PrimitiveTypeName.BINARY;
      case FIXED_LEN_BYTE_ARRAY -> PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY;
    };
  }

  /** The annotation of a LogicalType union, or null for a member this library does not know. */
  static LogicalTypeAnnotation logical(LogicalType t) {
    if (t.isSetSTRING()) {
      return LogicalTypeAnnotation.stringType();
    } else if (t.isSetMAP()) {
      return LogicalTypeAnnotation.mapType();
    } else if (t.isSetLIST()) {
      return LogicalTypeAnnotation.listType();
    } else if (t.isSetENUM()) {
      return LogicalTypeAnnotation.enumType();
    } else if (t.isSetDECIMAL()) {
      return LogicalTypeAnnotation.decimalType(t.getDECIMAL().scale, t.getDECIMAL().precision);
    } else if (t.isSetDATE()) {
      return LogicalTypeAnnotation.dateType();
    } else if (t.isSetTIME()) {
      return LogicalTypeAnnotation.timeType(t.getTIME().isAdjustedToUTC, unit(t.getTIME().unit));
    } else if (t.isSetTIMESTAMP()) {
      return LogicalTypeAnnotation.timestampType(t.getTIMESTAMP().isAdjustedToUTC, unit(t.getTIMESTAMP().unit));
    } else if (t.isSetINTEGER()) {
      return LogicalTypeAnnotation.intType(t.getINTEGER().bitWidth, t.getINTEGER().isSigned);
    } else if (t.isSetUNKNOWN()) {
      return LogicalTypeAnnotation.unknownType();
    } else if (t.isSetJSON()) {
      return LogicalTypeAnnotation.jsonType();
    } else if (t.isSetBSON()) {
      return LogicalTypeAnnotation.bsonType();
    } else if (t.isSetUUID()) {
      return LogicalTypeAnnotation.uuidType();
    } else if (t.isSetFLOAT16()) {
      return LogicalTypeAnnotation.float16Type();
    } else if (t.isSetVARIANT()) {
      return LogicalTypeAnnotation.variantType(t.getVARIANT().isSetSpecification_version()
          ? t.getVARIANT().specification_version : (byte) 1);
    } else if (t.isSetGEOMETRY()) {
      return LogicalTypeAnnotation.geometryType(t.getGEOMETRY().crs);
    } else if (t.isSetGEOGRAPHY()) {
      return LogicalTypeAnnotation.geographyType();
    }
    return null;
  }

  private static LogicalTypeAnnotation.TimeUnit unit(org.apache.parquet.format.TimeUnit unit) {
    if (unit.isSetMILLIS()) {
      return LogicalTypeAnnotation.TimeUnit.MILLIS;
    } else if (unit.isSetMICROS()) {
      return LogicalTypeAnnotation.TimeUnit.MICROS;
    } else if (unit.isSetNANOS()) {
      return LogicalTypeAnnotation.TimeUnit.NANOS;
    }
    throw new IllegalArgumentException("unknown time unit " + unit);
  }
}
