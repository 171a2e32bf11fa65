package io.needle.bench.gen;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.MessageType;

/**
 * What the generated tables' write supports share: the schema and file metadata they were given,
 * and writers for the field shapes both use (optional strings, three-level float lists).
 */
abstract class GenWriteSupport<T> extends WriteSupport<T> {
  private final MessageType schema;
  private final Map<String, String> extraMetadata;
  protected RecordConsumer out;

  GenWriteSupport(MessageType schema, Map<String, String> extraMetadata) {
    this.schema = schema;
    this.extraMetadata = Map.copyOf(extraMetadata);
  }

  @Override
  public final WriteContext init(Configuration configuration) {
    return new WriteContext(schema, extraMetadata);
  }

  @Override
  public final WriteContext init(ParquetConfiguration configuration) {
    return new WriteContext(schema, extraMetadata);
  }

  @Override
  public final void prepareForWrite(RecordConsumer recordConsumer) {
    this.out = recordConsumer;
  }

  /** A UTF-8 string field; nothing for null (an absent optional field). */
  protected final void string(String name, int index, String value) {
    if (value != null) {
      out.startField(name, index);
      out.addBinary(Binary.fromConstantByteArray(value.getBytes(StandardCharsets.UTF_8)));
      out.endField(name, index);
    }
  }

  /** A three-level {@code name / list / element} list of floats. */
  protected final void floats(String name, int index, List<Float> values) {
    out.startField(name, index);
    out.startGroup();
    if (!values.isEmpty()) { // an empty list is a present group without a "list" field
      out.startField("list", 0);
      for (Float f : values) {
        out.startGroup();
        out.startField("element", 0);
        out.addFloat(f);
        out.endField("element", 0);
        out.endGroup();
      }
      out.endField("list", 0);
    }
    out.endGroup();
    out.endField(name, index);
  }
}
