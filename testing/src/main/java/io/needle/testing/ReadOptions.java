package io.needle.testing;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Path;
import java.util.Map;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.bytes.ByteBufferAllocator;
import org.apache.parquet.bytes.HeapByteBufferAllocator;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.crypto.FileDecryptionProperties;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.format.converter.ParquetMetadataConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetMetricsCallback;
import org.apache.parquet.hadoop.util.HadoopCodecs;
import org.apache.parquet.io.LocalInputFile;

/**
 * Opens a local file with parquet-java's {@link ParquetFileReader} on the slim Hadoop classpath.
 *
 * <p>Why reflection: every public way to build {@link ParquetReadOptions} (both builders, and
 * {@code ParquetFileReader.open(InputFile)}) calls {@code ParquetInputFormat.getFilter}, whose
 * class extends Hadoop's {@code FileInputFormat} from hadoop-mapreduce-client-core, which the
 * slim set of LIBRARIES.md does not hold. The package-private constructor the builder ends in
 * needs none of it. (A copy lives in bench's tests, which cannot depend on
 * this module.) Checksums are not verified and no filter is applied: the oracle reads every row
 * as written.
 */
final class ReadOptions {
  private ReadOptions() {}

  static ParquetFileReader open(Path file) throws IOException {
    return new ParquetFileReader(new LocalInputFile(file), options());
  }

  static ParquetReadOptions options() {
    ParquetConfiguration conf = new PlainParquetConfiguration();
    try {
      Constructor<ParquetReadOptions> c = ParquetReadOptions.class.getDeclaredConstructor(
          boolean.class, boolean.class, boolean.class, boolean.class, boolean.class,
          boolean.class, boolean.class, boolean.class, boolean.class,
          FilterCompat.Filter.class, ParquetMetadataConverter.MetadataFilter.class,
          CompressionCodecFactory.class, ByteBufferAllocator.class, int.class, Map.class,
          FileDecryptionProperties.class, ParquetMetricsCallback.class,
          ParquetConfiguration.class);
      c.setAccessible(true);
      return c.newInstance(false, false, false, false, false, false, false, false, false,
          FilterCompat.NOOP, ParquetMetadataConverter.NO_FILTER,
          HadoopCodecs.newFactory(conf, 0), new HeapByteBufferAllocator(), 8 * 1024 * 1024,
          Map.of(), null, null, conf);
    } catch (NoSuchMethodException | InstantiationException | IllegalAccessException e) {
      throw new IllegalStateException("parquet-java's ParquetReadOptions changed", e);
    } catch (InvocationTargetException e) {
      throw new IllegalStateException("ParquetReadOptions failed", e.getCause());
    }
  }
}
