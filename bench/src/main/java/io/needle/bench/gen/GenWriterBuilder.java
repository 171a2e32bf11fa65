package io.needle.bench.gen;

import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.conf.ParquetConfiguration;
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
