package io.needle.decode;

import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.FieldRepetitionType;
import org.apache.parquet.format.IntType;
import org.apache.parquet.format.LogicalType;
import org.apache.parquet.format.SchemaElement;
import org.apache.parquet.format.TimeUnit;
import org.apache.parquet.format.TimestampType;
import org.apache.parquet.format.Util;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KeyTypeTest {
  private static final MessageType TYPE = Types.buildMessage()
      .required(PrimitiveTypeName.INT32).named("i32")
      .required(PrimitiveTypeName.INT32).as(LogicalTypeAnnotation.intType(32, false)).named("u32")
      .required(PrimitiveTypeName.INT32).as(LogicalTypeAnnotation.dateType()).named("day")
      .required(PrimitiveTypeName.INT64).as(LogicalTypeAnnotation.timestampType(true, LogicalTypeAnnotation.TimeUnit.MICROS)).named("ts")
      .required(PrimitiveTypeName.INT64).as(LogicalTypeAnnotation.decimalType(2, 18)).named("dec")
      .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("name")
      .required(PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY).length(16).as(LogicalTypeAnnotation.uuidType()).named("id")
      .required(PrimitiveTypeName.DOUBLE).named("score")
      .named("t");

  private static KeyType key(String column) throws DecodeException {
    return FileSchema.of(TYPE, null).keyType(column);
  }

  @Test
  void convertsJavaValuesToThePhysicalForm() throws Exception {
    assertThat(key("i32").toLong(7)).isEqualTo(7L);
    assertThat(key("u32").toLong(4_000_000_000L)).isEqualTo((long) (int) 4_000_000_000L);
    assertThat(key("day").toLong(LocalDate.of(1970, 1, 3))).isEqualTo(2L);
    assertThat(key("ts").toLong(Instant.parse("1970-01-01T00:00:01.000002Z"))).isEqualTo(1_000_002L);
    assertThat(key("dec").toLong(new BigDecimal("12.3"))).isEqualTo(1230L);
    assertThat(key("name").toBytes("é")).containsExactly(0xc3 - 256, 0xa9 - 256);
    assertThat(key("id").toBytes(new UUID(1, 2))).hasSize(16).endsWith(0, 0, 0, 0, 0, 0, 0, 2);
  }

  @Test
  void rejectsWrongTypesAndRangesNamingColumnTypeAndValue() {
    assertThatThrownBy(() -> key("i32").toLong(1L << 40)).isInstanceOfSatisfying(DecodeException.class,
        e -> assertThat(e.kind()).isEqualTo(DecodeException.Kind.INVALID_KEY)).hasMessageContaining("i32")
        .hasMessageContaining("int32").hasMessageContaining(String.valueOf(1L << 40));
    assertThatThrownBy(() -> key("u32").toLong(-1)).isInstanceOf(DecodeException.class);
    assertThatThrownBy(() -> key("dec").toLong(new BigDecimal("1.234"))).isInstanceOf(DecodeException.class)
        .hasMessageContaining("scale 2");
    assertThatThrownBy(() -> key("name").toLong(1)).isInstanceOf(DecodeException.class);
    assertThatThrownBy(() -> key("id").toBytes(new byte[3])).isInstanceOf(DecodeException.class);
    assertThatThrownBy(() -> key("score")).isInstanceOfSatisfying(DecodeException.class,
        e -> assertThat(e.kind()).isEqualTo(DecodeException.Kind.UNSUPPORTED));
  }

  @Test
  void parsesCliText() throws Exception {
    assertThat(key("day").toLong(key("day").parseText("2024-01-31"))).isEqualTo(LocalDate.of(2024, 1, 31).toEpochDay());
    assertThat(key("u32").toLong(key("u32").parseText("4294967295"))).isEqualTo(-1L);
    assertThat(key("ts").toLong(key("ts").parseText("1970-01-01T00:00:01Z"))).isEqualTo(1_000_000L);
    assertThat(key("dec").toLong(key("dec").parseText("-0.5"))).isEqualTo(-50L);
    assertThat(key("name").toBytes(key("name").parseText("abc"))).containsExactly('a', 'b', 'c');
    assertThat(key("id").parseText("00000000-0000-0001-0000-000000000002")).isEqualTo(new UUID(1, 2));
    assertThatThrownBy(() -> key("i32").parseText("12x")).isInstanceOfSatisfying(DecodeException.class,
        e -> assertThat(e.kind()).isEqualTo(DecodeException.Kind.INVALID_KEY));
  }

  @Test
  void matcherFindsOrdinalsWithoutCopying() {
    KeyMatcher longs = KeyMatcher.ofLongs(new long[] {50, -3, 9});
    assertThat(longs.ordinalOf(-3)).isEqualTo(1);
    assertThat(longs.ordinalOf(50)).isEqualTo(0);
    assertThat(longs.ordinalOf(10)).isEqualTo(-1);
    KeyMatcher bytes = KeyMatcher.ofBytes(new byte[][] {{1, 2}, {3}});
    byte[] page = {9, 9, 3, 1, 2};
    assertThat(bytes.ordinalOf(Binary.fromConstantByteArray(page, 3, 2))).isEqualTo(0);
    assertThat(bytes.ordinalOf(Binary.fromConstantByteBuffer(java.nio.ByteBuffer.wrap(page, 2, 1)))).isEqualTo(1);
    assertThat(bytes.ordinalOf(Binary.fromConstantByteArray(page, 0, 1))).isEqualTo(-1);
    assertThatThrownBy(() -> KeyMatcher.ofLongs(new long[] {1, 1})).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void parsesThriftSchemaWithLogicalAndLegacyTypes() throws Exception {
    List<SchemaElement> elements = new ArrayList<>();
    elements.add(new SchemaElement("root").setNum_children(3));
    LogicalType ts = new LogicalType();
    ts.setTIMESTAMP(new TimestampType(false, TimeUnit.NANOS(new org.apache.parquet.format.NanoSeconds())));
    elements.add(new SchemaElement("ts").setType(org.apache.parquet.format.Type.INT64)
        .setRepetition_type(FieldRepetitionType.OPTIONAL).setLogicalType(ts).setField_id(4));
    LogicalType u8 = new LogicalType();
    u8.setINTEGER(new IntType((byte) 8, false));
    elements.add(new SchemaElement("small").setType(org.apache.parquet.format.Type.INT32)
        .setRepetition_type(FieldRepetitionType.REQUIRED).setLogicalType(u8));
    elements.add(new SchemaElement("amount").setType(org.apache.parquet.format.Type.FIXED_LEN_BYTE_ARRAY)
        .setType_length(5).setRepetition_type(FieldRepetitionType.OPTIONAL)
        .setConverted_type(org.apache.parquet.format.ConvertedType.DECIMAL).setPrecision(10).setScale(3));
    FileMetaData metaData = new FileMetaData(1, elements, 0, new ArrayList<>());
    metaData.setCreated_by("parquet-mr version 1.18.1");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Util.writeFileMetaData(metaData, out);
    FileSchema schema = FileSchema.parse(out.toByteArray());
    MessageType expected = Types.buildMessage()
        .optional(PrimitiveTypeName.INT64).as(LogicalTypeAnnotation.timestampType(false, LogicalTypeAnnotation.TimeUnit.NANOS)).id(4).named("ts")
        .required(PrimitiveTypeName.INT32).as(LogicalTypeAnnotation.intType(8, false)).named("small")
        .optional(PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY).length(5).as(LogicalTypeAnnotation.decimalType(3, 10)).named("amount")
        .named("root");
    assertThat(schema.messageType()).isEqualTo(expected);
    assertThat(schema.createdBy()).isEqualTo("parquet-mr version 1.18.1");
    assertThat(schema.hasField("small")).isTrue();
    assertThat(schema.hasField("nope")).isFalse();
    assertThatThrownBy(() -> FileSchema.parse(new byte[] {1, 2, 3})).isInstanceOfSatisfying(DecodeException.class,
        e -> assertThat(e.kind()).isEqualTo(DecodeException.Kind.CORRUPT));
  }
}
