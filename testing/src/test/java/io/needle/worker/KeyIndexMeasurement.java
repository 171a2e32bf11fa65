package io.needle.worker;

import io.needle.metadata.MetadataCache;
import io.needle.metadata.MetadataCacheConfig;
import io.needle.pagestore.EvictionPolicy;
import io.needle.pagestore.PageStore;
import io.needle.pagestore.PageStoreConfig;
import io.needle.protocol.BlockingFrames;
import io.needle.protocol.Frame;
import io.needle.protocol.proto.Key;
import io.needle.protocol.proto.LookupRequest;
import io.needle.protocol.proto.Request;
import java.io.BufferedInputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Measurements for BENCHMARKS.md, not a test of behaviour (soak only: writes a 1M-row file and
 * prints): key index build time and bytes per row on a parquet-java-defaults table (1 MiB pages,
 * 128 MiB row groups, no bloom filter) with unsorted int32 keys, and the bytes on the wire per
 * present and absent lookup without and with the index.
 *
 * <p>Run: {@code mvn -B -ntp verify -pl testing -am -Psoak -Dtest=KeyIndexMeasurement
 * -Dsurefire.failIfNoSpecifiedTests=false}
 */
class KeyIndexMeasurement {
  private static final int ROWS = 1_000_000;
  private static final List<String> COLUMNS = List.of("k", "v", "text");

  @TempDir
  Path dir;

  @Test
  @Tag("soak")
  void measure() throws Exception {
    Path tableDir = Files.createDirectories(dir.resolve("tables/unsorted"));
    Path file = tableDir.resolve("part-0.parquet");
    MessageType schema = MessageTypeParser.parseMessageType(
        "message t { required int32 k; required int64 v; required binary text (STRING); }");
    SimpleGroupFactory groups = new SimpleGroupFactory(schema);
    int[] keys = new int[ROWS];
    for (int i = 0; i < ROWS; i++) {
      keys[i] = 2 * i + 1;
    }
    SplittableRandom random = new SplittableRandom(1);
    for (int i = ROWS - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = keys[i];
      keys[i] = keys[j];
      keys[j] = t;
    }
    try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file))
        .withConf(new PlainParquetConfiguration()).withType(schema).withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
        .build()) { // parquet-java defaults: UNCOMPRESSED, 1 MiB pages, 128 MiB row groups, dictionary, no bloom
      for (int key : keys) {
        writer.write(groups.newGroup().append("k", key).append("v", key * 3L).append("text", "row text " + key));
      }
    }
    System.out.printf("table: %d rows, %d bytes%n", ROWS, Files.size(file));

    ExecutorService loader = Executors.newFixedThreadPool(2);
    try (PageStore store = PageStore.open(new PageStoreConfig(dir.resolve("build-cache"), 512L << 20, 16 << 20,
        EvictionPolicy.LRU, false, 8192, "m", false, false))) {
      MetadataCache metadata = new MetadataCache(MetadataCacheConfig.defaults(), loader);
      OpenFile open = new OpenFile(new io.needle.metadata.FileVersion(file.toString(), Files.size(file), "m"),
          java.nio.channels.FileChannel.open(file));
      metadata.keyColumn(open, "k").get(); // footer and page tables first: the build alone is timed
      for (int run = 0; run < 3; run++) {
        long putBytes = store.stats().putBytes();
        long start = System.nanoTime();
        KeyIndex index = KeyIndexBuilder.build(metadata.keyColumn(open, "k").get(), open, "k", store,
            KeyIndex.ByteHash.XXHASH64);
        long nanos = System.nanoTime() - start;
        System.out.printf("key index build %d: %.1f ms, %d keys, %d blocks, %.2f stored bytes/row (first run)%n", run,
            nanos / 1e6, index.entries(), index.blocks(),
            run == 0 ? (store.stats().putBytes() - putBytes) / (double) ROWS : Double.NaN);
        store.invalidateFile(io.needle.pagestore.PageKey.hashVersion(PageCache.versionKey(open)));
      }
      open.release();
    } finally {
      loader.shutdownNow();
    }

    String uri = "file://" + tableDir;
    try (Worker plain = Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(dir.resolve("tables"))))) {
      System.out.printf("without index: present %d bytes, absent %d bytes%n", wire(plain, uri, keys[ROWS / 2]),
          wire(plain, uri, ROWS));
    }
    PageStoreConfig storeConfig = new PageStoreConfig(dir.resolve("worker-cache"), 1L << 30, 16 << 20,
        EvictionPolicy.LRU, false, 8192, "m", false, false);
    try (Worker worker = Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(dir.resolve("tables")))
        .withManifestTtl(Duration.ofMinutes(10)), storeConfig, null)) {
      wire(worker, uri, ROWS); // first touch (an absent key: ROWS is even) starts the build
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
      while (worker.keyIndexesBuilt() < 1 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      System.out.printf("worker build: %.1f ms%n", worker.keyIndexBuildNanos() / 1e6);
      System.out.printf("with index: present %d bytes, absent %d bytes%n", wire(worker, uri, keys[ROWS / 2]),
          wire(worker, uri, ROWS));
    }
  }

  /** Bytes of the response frame (length prefixes, header and payload) for one key. */
  private static long wire(Worker worker, String uri, int key) throws Exception {
    try (Socket socket = new Socket(worker.address().getAddress(), worker.address().getPort())) {
      socket.setSoTimeout(120_000);
      LookupRequest lookup = LookupRequest.newBuilder().setTableUri(uri).setKeyColumn("k").addAllColumns(COLUMNS)
          .addKeys(Key.newBuilder().setIntValue(key)).build();
      BlockingFrames.write(socket.getOutputStream(), Request.newBuilder().setRequestId(1).setLookup(lookup).build());
      Frame frame = BlockingFrames.read(new BufferedInputStream(socket.getInputStream()), 1 << 30);
      try {
        return Frame.PREFIX_BYTES + frame.header().readableBytes() + frame.payload().readableBytes();
      } finally {
        frame.release();
      }
    }
  }
}
