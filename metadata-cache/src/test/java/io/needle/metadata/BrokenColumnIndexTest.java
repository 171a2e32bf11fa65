package io.needle.metadata;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executor;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Regression: {@code datapage_v1-corrupt-checksum.parquet} carries column indexes that mark every
 * page of its REQUIRED INT32 columns as a null page, with empty min/max. Trusting them planned no
 * page for keys that are in the file, so lookups silently returned nothing. Null-page claims are
 * now believed only for columns that can hold nulls.
 */
class BrokenColumnIndexTest {
  private static final Executor DIRECT = Runnable::run;

  @Test
  void requiredColumnWhoseIndexClaimsNullPagesStillPlansTheKeysPages() throws Exception {
    Path file = CorpusOracle.DATA.resolve("datapage_v1-corrupt-checksum.parquet");
    // The first value of column `a`: the first 4 bytes after the first page header. Read it
    // independently of the planner: uncompressed PLAIN INT32, REQUIRED (no levels).
    byte[] bytes = Files.readAllBytes(file);
    java.io.ByteArrayInputStream in = new java.io.ByteArrayInputStream(bytes, 4, bytes.length - 4);
    org.apache.parquet.format.Util.readPageHeader(in);
    int headerLength = bytes.length - 4 - in.available();
    int firstValue = ByteBuffer.wrap(bytes, 4 + headerLength, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();

    MetadataCache cache = new MetadataCache(MetadataCacheConfig.defaults(), DIRECT);
    FilePlan plan = cache.plan(new LocalFileSource(file), new LookupSpec("a", Keys.ofLongs(firstValue), List.of()))
        .get();
    assertThat(plan.rowGroups()).hasSize(1);
    assertThat(plan.rowGroups().get(0).columns().get(0).dataPages()).isNotEmpty();
    assertThat(plan.rowGroups().get(0).columns().get(0).dataPages().get(0).offset()).isEqualTo(4);
  }
}
