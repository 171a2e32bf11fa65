package io.needle.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** One load per version, failed loads forgotten, invalidation, weights, and files without page indexes. */
class MetadataCacheTest {
  private static final ExecutorService LOADER = Executors.newFixedThreadPool(2);

  @AfterAll
  static void stop() {
    LOADER.shutdownNow();
  }

  private static byte[] corpus(String name) throws IOException {
    return Files.readAllBytes(CorpusOracle.DATA.resolve(name));
  }

  /** Holds its first read until released, so every caller piles up on one pending load. */
  private static final class GatedSource implements FileSource {
    final BytesSource inner;
    final CountDownLatch gate = new CountDownLatch(1);

    GatedSource(BytesSource inner) {
      this.inner = inner;
    }

    @Override
    public FileVersion version() {
      return inner.version();
    }

    @Override
    public void readFully(long position, ByteBuffer dst) throws IOException {
      try {
        gate.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
      inner.readFully(position, dst);
    }
  }

  @Test
  void concurrentPlansOfOneVersionLoadItOnce() throws Exception {
    byte[] bytes = corpus("alltypes_tiny_pages.parquet");
    LookupSpec spec = new LookupSpec("id", Keys.ofLongs(42), List.of());
    BytesSource reference = new BytesSource("ref", bytes);
    new MetadataCache(MetadataCacheConfig.defaults(), LOADER).plan(reference, spec).get();
    int readsOfOnePlan = reference.reads.get();

    GatedSource gated = new GatedSource(new BytesSource("gated", bytes));
    MetadataCache cache = new MetadataCache(MetadataCacheConfig.defaults(), LOADER);
    ExecutorService callers = Executors.newFixedThreadPool(8);
    try {
      List<CompletableFuture<CompletableFuture<FilePlan>>> calls = new ArrayList<>();
      CountDownLatch start = new CountDownLatch(1);
      for (int i = 0; i < 32; i++) {
        calls.add(CompletableFuture.supplyAsync(() -> {
          try {
            start.await();
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
          return cache.plan(gated, spec);
        }, callers));
      }
      start.countDown();
      List<CompletableFuture<FilePlan>> plans = new ArrayList<>();
      for (var call : calls) {
        plans.add(call.get());
      }
      gated.gate.countDown();
      FilePlan first = plans.get(0).get();
      for (var plan : plans) {
        assertThat(plan.get().rowGroups()).isEqualTo(first.rowGroups());
      }
      assertThat(gated.inner.reads.get()).isEqualTo(readsOfOnePlan);
    } finally {
      callers.shutdownNow();
    }
  }

  @Test
  void failedLoadsAreNotCached() throws Exception {
    BytesSource inner = new BytesSource("flaky", corpus("alltypes_plain.parquet"));
    AtomicBoolean fail = new AtomicBoolean(true);
    FileSource flaky = new FileSource() {
      @Override
      public FileVersion version() {
        return inner.version();
      }

      @Override
      public void readFully(long position, ByteBuffer dst) throws IOException {
        if (fail.get()) {
          throw new IOException("origin unavailable");
        }
        inner.readFully(position, dst);
      }
    };
    MetadataCache cache = new MetadataCache(MetadataCacheConfig.defaults(), LOADER);
    LookupSpec spec = new LookupSpec("id", Keys.ofLongs(1), List.of());
    try {
      cache.plan(flaky, spec).get();
      fail("expected an IOException");
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(IOException.class).hasMessage("origin unavailable");
    }
    fail.set(false);
    assertThat(cache.plan(flaky, spec).get().rowGroups()).hasSize(1);
  }

  @Test
  void invalidateDropsTheVersionAndItsWeight() throws Exception {
    BytesSource source = new BytesSource("inv", corpus("alltypes_tiny_pages.parquet"));
    MetadataCache cache = new MetadataCache(MetadataCacheConfig.defaults(), LOADER);
    LookupSpec spec = new LookupSpec("id", Keys.ofLongs(7), List.of());
    cache.plan(source, spec).get();
    int reads = source.reads.get();
    assertThat(cache.weightedBytes()).isPositive();
    cache.plan(source, spec).get();
    assertThat(source.reads.get()).isEqualTo(reads);
    cache.invalidate(source.version());
    assertThat(cache.weightedBytes()).isZero();
    cache.plan(source, spec).get();
    assertThat(source.reads.get()).isEqualTo(2 * reads);
  }

  @Test
  void lazilyLoadedKeyStateAddsToTheWeight() throws Exception {
    BytesSource source = new BytesSource("weight", corpus("alltypes_tiny_pages.parquet"));
    MetadataCache cache = new MetadataCache(MetadataCacheConfig.defaults(), LOADER);
    cache.describe(source, null).get();
    long footerOnly = cache.weightedBytes();
    cache.plan(source, new LookupSpec("string_col", Keys.ofBytes("0".getBytes()), List.of())).get();
    assertThat(cache.weightedBytes()).isGreaterThan(footerOnly);
  }

  @Test
  void capacityBoundsTheCache() throws Exception {
    MetadataCache cache = new MetadataCache(new MetadataCacheConfig(200_000, 1 << 16), LOADER);
    byte[] bytes = corpus("alltypes_tiny_pages.parquet");
    for (int i = 0; i < 6; i++) {
      cache.describe(new BytesSource("copy" + i, bytes), null).get();
    }
    assertThat(cache.weightedBytes()).isLessThanOrEqualTo(200_000);
  }

  @Test
  void filesWithoutOffsetIndexAreWalkedOnceAndThenPlannedWithoutIo() throws Exception {
    BytesSource source = new BytesSource("walk", corpus("nullable.impala.parquet"));
    MetadataCache cache = new MetadataCache(MetadataCacheConfig.defaults(), LOADER);
    LookupSpec spec = new LookupSpec("id", Keys.ofLongs(3), List.of("id", "int_array", "nested_struct"));
    FilePlan plan = cache.plan(source, spec).get();
    assertThat(plan.rowGroups()).hasSize(1);
    List<ColumnPlan> columns = plan.rowGroups().get(0).columns();
    assertThat(columns.get(0).leaf()).isZero();
    assertThat(columns).extracting(ColumnPlan::leaf).containsExactly(0, 1, 7, 8, 9, 10, 11, 12);
    for (ColumnPlan column : columns.subList(1, columns.size())) {
      assertThat(column.dataPages()).isNotEmpty();
      assertThat(column.dataPages().get(0).firstRow()).isZero(); // repeated fields: from row 0
    }
    int reads = source.reads.get();
    assertThat(cache.plan(source, spec).getNow(null)).isNotNull();
    assertThat(source.reads.get()).isEqualTo(reads);
  }
}
