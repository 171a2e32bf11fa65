package io.needle.bench.gen;

import java.util.Map;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.MessageType;

/**
 * Writes {@link RagRow}s straight to a {@link RecordConsumer}, like {@link FeatureWriteSupport}.
 * The field indexes below follow {@link RagTable#SCHEMA}; {@code embedding} uses the standard
 * three-level LIST layout ({@code embedding / list / element}).
 */
final class RagWriteSupport extends GenWriteSupport<RagRow> {
  RagWriteSupport(MessageType schema, Map<String, String> extraMetadata) {
    super(schema, extraMetadata);
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
    floats("embedding", 5, row.embedding());
    out.endMessage();
  }
}
