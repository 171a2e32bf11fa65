package io.needle.metadata;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.parquet.column.values.bloomfilter.BlockSplitBloomFilter;
import org.apache.parquet.format.BloomFilterHeader;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.Util;
import org.apache.parquet.io.api.Binary;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Keys inside a row group's [min, max] that its bloom filter rules out plan nothing. */
class BloomFilterPlanTest {
  private static final ExecutorService LOADER = Executors.newFixedThreadPool(2);

  @AfterAll
  static void stop() {
    LOADER.shutdownNow();
  }

  @Test
  void bloomFilterRejectsAbsentKeysInsideTheStatisticsRange() throws Exception {
    for (String name : List.of("data_index_bloom_encoding_stats.parquet", "data_index_bloom_encoding_with_length.parquet")) {
      CorpusOracle oracle = new CorpusOracle(CorpusOracle.DATA.resolve(name));
      ColumnMetaData meta = oracle.footer.getRow_groups().get(0).getColumns().get(0).getMeta_data();
      ByteArrayInputStream in = new ByteArrayInputStream(oracle.bytes, (int) meta.getBloom_filter_offset(), 1 << 16);
      int before = in.available();
      BloomFilterHeader header = Util.readBloomFilterHeader(in);
      int at = (int) meta.getBloom_filter_offset() + before - in.available();
      BlockSplitBloomFilter bloom = new BlockSplitBloomFilter(Arrays.copyOfRange(oracle.bytes, at, at + header.getNumBytes()));
      byte[] min = meta.getStatistics().getMin_value();
      byte[] max = meta.getStatistics().getMax_value();

      List<byte[]> absent = new ArrayList<>();
      for (char c1 = 'A'; c1 <= 'z' && absent.size() < 5; c1++) {
        for (char c2 = 'a'; c2 <= 'z' && absent.size() < 5; c2++) {
          byte[] k = ("" + c1 + c2 + "zz").getBytes(UTF_8);
          boolean inRange = Arrays.compareUnsigned(min, k) <= 0 && Arrays.compareUnsigned(k, max) <= 0;
          if (inRange && !bloom.findHash(bloom.hash(Binary.fromConstantByteArray(k)))) {
            absent.add(k);
          }
        }
      }
      assertThat(absent).as("absent keys inside [min, max] of %s", name).isNotEmpty();
      MetadataCache cache = new MetadataCache(MetadataCacheConfig.defaults(), LOADER);
      LocalFileSource source = new LocalFileSource(CorpusOracle.DATA.resolve(name));
      FilePlan none = cache.plan(source, new LookupSpec("String", Keys.ofBytes(absent.toArray(byte[][]::new)), List.of())).get();
      assertThat(none.rowGroups()).isEmpty();
      // the bounds themselves are values of the column: present, so planned despite the filter
      assertThat(bloom.findHash(bloom.hash(Binary.fromConstantByteArray(min)))).isTrue();
      FilePlan some = cache.plan(source, new LookupSpec("String", Keys.ofBytes(min, max), List.of())).get();
      assertThat(some.rowGroups()).hasSize(1);
    }
  }

  @Test
  void keyHashesMatchParquetsBloomFilterHashing() throws Exception {
    BlockSplitBloomFilter reference = new BlockSplitBloomFilter(1024);
    var xx = new org.apache.parquet.column.values.bloomfilter.XxHash();
    for (long v : new long[] {0, 1, -1, Long.MAX_VALUE, Long.MIN_VALUE, 1234567890123L}) {
      byte[] le = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(v).array();
      assertThat(xx.hashBytes(le)).isEqualTo(reference.hash(v));
      byte[] le4 = java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt((int) v).array();
      assertThat(xx.hashBytes(le4)).isEqualTo(reference.hash((int) v));
    }
  }
}
