package io.needle.bench.baseline;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Path;
import java.util.Map;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.bytes.ByteBufferAllocator;
import org.apache.parquet.bytes.HeapByteBufferAllocator;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.crypto.FileDecryptionProperties;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.format.converter.ParquetMetadataConverter;
import org.apache.parquet.hadoop.ParquetMetricsCallback;
import org.apache.parquet.hadoop.util.HadoopCodecs;

/**
 * Builds parquet-java's {@link ParquetReadOptions} with every pushdown on, on the slim Hadoop
 * classpath.
 *
 * <p>Why reflection: every public way to build the options calls
 * {@code ParquetInputFormat.getFilter}, whose class extends Hadoop's {@code FileInputFormat}
 * (hadoop-mapreduce-client-core, not on the slim classpath of LIBRARIES.md). The package-private
 * constructor that the builder ends in needs none of it; the options it builds are the same ones
 * {@code ParquetReader} would use. The same idea as the testing module's {@code ReadOptions},
 * which bench cannot depend on. Flags are checked after construction, so a reordering of the
 * constructor's booleans in a later parquet-java fails loudly instead of benchmarking the wrong
 * thing.
 */
public final class ParquetReadOptionsFactory {
  private static final ParquetConfiguration CONF = new PlainParquetConfiguration();
  private static final CompressionCodecFactory CODECS = HadoopCodecs.newFactory(CONF, 0);
  private static final Constructor<ParquetReadOptions> CONSTRUCTOR = constructor();

  private ParquetReadOptionsFactory() {}

  /**
   * Options as a user who turned every filter on gets them: row-group statistics, dictionary
   * and bloom filters, the column index (page skipping) and record-level filtering, for
   * {@code filter}.
   */
  public static ParquetReadOptions pushdown(FilterCompat.Filter filter) {
    return options(true, filter);
  }

  /** Options with every filter off: read every row as written (the test oracle's reader). */
  public static ParquetReadOptions plain() {
    return options(false, FilterCompat.NOOP);
  }

  /** A reader of a local file with {@link #plain()} options. */
  public static ParquetFileReader open(Path file) throws IOException {
    return new ParquetFileReader(new LocalInputFile(file), plain());
  }

  private static ParquetReadOptions options(boolean filters, FilterCompat.Filter filter) {
    try {
      ParquetReadOptions o = CONSTRUCTOR.newInstance(
          false, // useSignedStringMinMax
          filters, // useStatsFilter
          filters, // useDictionaryFilter
          filters, // useRecordFilter
          filters, // useColumnIndexFilter
          false, // usePageChecksumVerification
          filters, // useBloomFilter
          false, // useOffHeapDecryptBuffer
          false, // useHadoopVectoredIo
          filter, ParquetMetadataConverter.NO_FILTER, CODECS, new HeapByteBufferAllocator(),
          8 * 1024 * 1024, Map.of(), null, null, CONF);
      if (o.useStatsFilter() != filters || o.useDictionaryFilter() != filters || o.useRecordFilter() != filters
          || o.useColumnIndexFilter() != filters || o.useBloomFilter() != filters || o.usePageChecksumVerification()) {
        throw new IllegalStateException("parquet-java's ParquetReadOptions constructor changed its flag order");
      }
      return o;
    } catch (InstantiationException | IllegalAccessException e) {
      throw new IllegalStateException("cannot build ParquetReadOptions", e);
    } catch (InvocationTargetException e) {
      throw new IllegalStateException("ParquetReadOptions failed", e.getCause());
    }
  }

  private static Constructor<ParquetReadOptions> constructor() {
    try {
      Constructor<ParquetReadOptions> c = ParquetReadOptions.class.getDeclaredConstructor(
          boolean.class, boolean.class, boolean.class, boolean.class, boolean.class,
          boolean.class, boolean.class, boolean.class, boolean.class,
          FilterCompat.Filter.class, ParquetMetadataConverter.MetadataFilter.class,
          CompressionCodecFactory.class, ByteBufferAllocator.class, int.class, Map.class,
          FileDecryptionProperties.class, ParquetMetricsCallback.class,
          ParquetConfiguration.class);
      c.setAccessible(true);
      return c;
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException("parquet-java's ParquetReadOptions changed", e);
    }
  }
}
