package io.needle.bench.gen;

import java.util.Map;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;

/**
 * Writes {@link LayoutRow}s straight to a record consumer, like {@link FeatureWriteSupport}. The
 * field indexes follow {@link LayoutTable#schema}; the key is written by its Java type.
 */
final class LayoutWriteSupport extends GenWriteSupport<LayoutRow> {
  LayoutWriteSupport(MessageType schema, Map<String, String> extraMetadata) {
    super(schema, extraMetadata);
  }

  @Override
  public void write(LayoutRow row) {
    out.startMessage();
    out.startField("id", 0);
    switch (row.id()) {
      case Integer i -> out.addInteger(i);
      case Long l -> out.addLong(l);
      case String s -> out.addBinary(Binary.fromString(s));
      default -> throw new IllegalStateException("unexpected key " + row.id());
    }
    out.endField("id", 0);
    integer("version", 1, row.version());
    integer("qty", 2, row.qty());
    out.startField("amount", 3);
    out.addLong(row.amount());
    out.endField("amount", 3);
    out.startField("price", 4);
    out.addDouble(row.price());
    out.endField("price", 4);
    out.startField("active", 5);
    out.addBoolean(row.active());
    out.endField("active", 5);
    out.startField("updated_at", 6);
    out.addLong(row.updatedAtMicros());
    out.endField("updated_at", 6);
    string("name", 7, row.name());
    string("note", 8, row.note());
    string("body", 9, row.body());
    floats("embedding", 10, row.embedding());
    out.startField("attrs", 11);
    out.startGroup();
    integer("a", 0, row.attrsA());
    string("b", 1, row.attrsB());
    out.endGroup();
    out.endField("attrs", 11);
    out.endMessage();
  }

  private void integer(String name, int index, int value) {
    out.startField(name, index);
    out.addInteger(value);
    out.endField(name, index);
  }
}
