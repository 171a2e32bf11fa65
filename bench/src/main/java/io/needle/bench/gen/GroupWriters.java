package io.needle.bench.gen;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.GroupWriter;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.MessageType;

/**
 * Writers of parquet-java's generic {@link Group} records, for tools that copy any schema
 * ({@code needle prepare}): the lookup-friendly setup {@code needle gen} uses, and a plain one
 * for temporary files.
 */
public final class GroupWriters {
  private GroupWriters() {}

  /**
   * A writer of {@code path} in {@code layout}, with a bloom filter on {@code keyColumn} sized for
   * {@code keyNdv} keys and no dictionary for {@code noDictionary}.
   */
  public static ParquetWriter<Group> lookupFriendly(Path path, MessageType schema, WriterLayout layout,
      String keyColumn, long keyNdv, Collection<String> noDictionary) throws IOException {
    requireNonNull(layout, "layout is null");
    return GenWriterBuilder.lookupFriendly(new LocalOutputFile(path), new GroupWriteSupport(schema), layout,
        keyColumn, keyNdv, noDictionary).build();
  }

  /** A writer of a temporary file: parquet-java's default pages, no bloom filter. */
  public static ParquetWriter<Group> spill(Path path, MessageType schema, CompressionCodecName codec,
      long rowGroupBytes) throws IOException {
    return new GenWriterBuilder<>(new LocalOutputFile(path), new GroupWriteSupport(schema))
        .withConf(new PlainParquetConfiguration())
        .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
        .withCompressionCodec(codec)
        .withRowGroupSize(rowGroupBytes)
        .build();
  }

  /** Writes {@link Group}s of one schema (parquet-java's own takes its schema from a Hadoop conf). */
  private static final class GroupWriteSupport extends GenWriteSupport<Group> {
    private final MessageType schema;
    private GroupWriter writer;
    private RecordConsumer writerOut;

    GroupWriteSupport(MessageType schema) {
      super(requireNonNull(schema, "schema is null"), Map.of());
      this.schema = schema;
    }

    @Override
    public void write(Group record) {
      if (writerOut != out) { // parquet-java hands a new consumer for every row group
        writer = new GroupWriter(out, schema);
        writerOut = out;
      }
      writer.write(record);
    }
  }
}
