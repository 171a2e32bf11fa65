package io.needle.bench.gen;

import java.util.Collection;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.OutputFile;

/** A {@link ParquetWriter} builder over a ready {@link WriteSupport}, whatever the configuration. */
final class GenWriterBuilder<T> extends ParquetWriter.Builder<T, GenWriterBuilder<T>> {
  private final WriteSupport<T> writeSupport;

  GenWriterBuilder(OutputFile file, WriteSupport<T> writeSupport) {
    super(file);
    this.writeSupport = writeSupport;
  }

  /**
   * The one lookup-friendly writer setup ({@code needle gen}, {@code needle prepare}): the
   * layout's codec, page version, page and row-group sizes, the page index (parquet-java's
   * default), a bloom filter on the key sized for {@code keyNdv} distinct keys (parquet-java
   * sizes it at 1 MiB otherwise), and no dictionary for {@code noDictionary}.
   */
  static <T> GenWriterBuilder<T> lookupFriendly(OutputFile file, WriteSupport<T> support, WriterLayout layout,
      String keyColumn, long keyNdv, Collection<String> noDictionary) {
    GenWriterBuilder<T> builder = new GenWriterBuilder<>(file, support)
        .withConf(new PlainParquetConfiguration())
        .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
        .withCompressionCodec(layout.codec())
        .withWriterVersion(layout.writerVersion())
        .withPageSize(layout.pageSizeBytes())
        .withPageRowCountLimit(layout.pageRowLimit())
        .withDictionaryPageSize(Math.max(layout.pageSizeBytes(), 64 * 1024))
        .withRowGroupSize(layout.rowGroupBytes())
        .withBloomFilterEnabled(keyColumn, true)
        .withBloomFilterNDV(keyColumn, Math.max(1, keyNdv));
    for (String column : noDictionary) {
      builder = builder.withDictionaryEncoding(column, false);
    }
    return builder;
  }

  @Override
  protected GenWriterBuilder<T> self() {
    return this;
  }

  @Override
  protected WriteSupport<T> getWriteSupport(Configuration conf) {
    return writeSupport;
  }

  @Override
  protected WriteSupport<T> getWriteSupport(ParquetConfiguration conf) {
    return writeSupport;
  }
}
