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
 * Writes {@link RagRow}s straight to a {@link RecordConsumer}, like {@link FeatureWriteSupport}.
 * The field indexes below follow {@link RagTable#SCHEMA}; {@code embedding} uses the standard
 * three-level LIST layout ({@code embedding / list / element}).
 */
final class RagWriteSupport extends WriteSupport<RagRow> {
  private final MessageType schema;
  private final Map<String, String> extraMetadata;
  private RecordConsumer out;

  RagWriteSupport(MessageType schema, Map<String, String> extraMetadata) {
    this.schema = schema;
    this.extraMetadata = Map.copyOf(extraMetadata);
  }

  @Override
  public WriteContext init(Configuration configuration) {
    return new WriteContext(schema, extraMetadata);
  }

  @Override
  public WriteContext init(ParquetConfiguration configuration) {
    return new WriteContext(schema, extraMetadata);
  }

  @Override
  public void prepareForWrite(RecordConsumer recordConsumer) {
    this.out = recordConsumer;
  }

  @Override
  public void write(RagRow row) {
    out.startMessage();
    string("doc_id", 0, row.docId());
    string("title", 1, row.title());
    string("text", 2, row.text());
    string("source", 3, row.source());
    out.startField("updated_at", 4);
    out.addLong(row.updatedAtMicros());
    out.endField("updated_at", 4);
    List<Float> embedding = row.embedding();
    out.startField("embedding", 5);
    out.startGroup();
    if (!embedding.isEmpty()) { // an empty list is a present group without a "list" field
      out.startField("list", 0);
      for (Float f : embedding) {
        out.startGroup();
        out.startField("element", 0);
        out.addFloat(f);
        out.endField("element", 0);
        out.endGroup();
      }
      out.endField("list", 0);
    }
    out.endGroup();
    out.endField("embedding", 5);
    out.endMessage();
  }

  private void string(String name, int index, String value) {
    if (value != null) {
      out.startField(name, index);
      out.addBinary(Binary.fromConstantByteArray(value.getBytes(StandardCharsets.UTF_8)));
      out.endField(name, index);
    }
  }
}
