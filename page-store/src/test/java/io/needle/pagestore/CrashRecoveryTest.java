package io.needle.pagestore;

import static io.needle.pagestore.TestPages.readThroughChannel;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 in the middle of writes (RELIABILITY.md T02). A child JVM writes pages; the test
 * kills it with SIGKILL after a random number of puts, and in two cycles of three also tears the
 * tail of the region that was open (zeroes part of its last records, as a power loss would).
 * After each restart every key is either absent or holds exactly its bytes, and the region
 * file never grows beyond capacity.
 */
class CrashRecoveryTest {
  @TempDir Path dir;

  @Test
  void survivesKillMinus9DuringWrites() throws Exception {
    runCycles(5, 11);
  }

  @Test
  @Tag("soak")
  void survivesThirtyKillMinus9Cycles() throws Exception {
    runCycles(30, 12);
  }

  private void runCycles(int cycles, long seed) throws Exception {
    SplittableRandom random = new SplittableRandom(seed);
    int torn = 0;
    for (int cycle = 0; cycle < cycles; cycle++) {
      Process child = startWriter(random.nextLong());
      int progressLines = 2 + random.nextInt(40);
      try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        int seen = 0;
        String line;
        while (seen < progressLines && (line = out.readLine()) != null) {
          if (line.startsWith("puts ")) {
            seen++;
          }
        }
        assertThat(seen).as("child progress (exit: %s)", child.isAlive() ? "alive" : child.exitValue())
            .isEqualTo(progressLines);
        child.destroyForcibly(); // SIGKILL on Linux
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
      }
      // tearing needs live records in the region that was open; right after a region switch there are none
      boolean tear = cycle % 3 != 0 && tearOpenRegionTail(random);
      if (tear) {
        torn++;
      }
      try (PageStore store = PageStore.open(CrashWriterMain.config(dir))) {
        if (tear) {
          assertThat(store.stats().tornRecordsDropped()).as("cycle %d", cycle).isPositive();
        }
        int present = verifyEveryKey(store);
        assertThat(present).isEqualTo((int) store.stats().cachedPages());
      }
      assertThat(Files.size(dir.resolve(RegionPageStore.REGION_FILE))).isEqualTo(CrashWriterMain.config(dir).capacityBytes());
    }
    assertThat(torn).as("cycles with a torn tail").isPositive();
  }

  private static int verifyEveryKey(PageStore store) throws IOException {
    int present = 0;
    for (int i = 0; i < CrashWriterMain.KEY_SPACE; i++) {
      PageKey k = CrashWriterMain.keyOf(i);
      try (PageHandle h = store.get(k)) {
        if (h != null) {
          present++;
          assertThat(readThroughChannel(h)).as("key %d", i).isEqualTo(TestPages.page(k, CrashWriterMain.lengthOf(k)));
        }
      }
    }
    return present;
  }

  private Process startWriter(long seed) throws IOException {
    String java = ProcessHandle.current().info().command().orElseThrow();
    List<String> command = new ArrayList<>();
    command.add(java);
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--add-") || arg.startsWith("--enable-native-access") || arg.startsWith("-Dchronicle")) {
        command.add(arg);
      }
    }
    command.add("-Xmx256m");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(CrashWriterMain.class.getName());
    command.add(dir.toString());
    command.add(Long.toString(seed));
    return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
  }

  /**
   * Power-loss emulation: in the newest region (the one open at the kill), zero a span inside
   * each of its last three records' payloads. Returns false when there was no such region.
   */
  private boolean tearOpenRegionTail(SplittableRandom random) throws IOException {
    StoreMeta meta = StoreMeta.read(dir);
    PageStoreConfig config = CrashWriterMain.config(dir);
    try (FileChannel ch = FileChannel.open(dir.resolve(RegionPageStore.REGION_FILE), StandardOpenOption.READ,
        StandardOpenOption.WRITE)) {
      ByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, 0, config.capacityBytes()).order(ByteOrder.LITTLE_ENDIAN);
      Region newest = null;
      long newestSeq = 0;
      for (int r = 0; r < config.regionCount(); r++) {
        Region region = new Region(r, (long) r * config.regionBytes(), config.regionBytes(), ch, map,
            r * config.regionBytes());
        long seq = RecordFormat.readRegionSeq(region, meta.storeId());
        if (seq > newestSeq && RecordFormat.readSealedEnd(region, seq) < 0) {
          newest = region;
          newestSeq = seq;
        }
      }
      if (newest == null) {
        return false;
      }
      List<Integer> payloadStarts = new ArrayList<>();
      List<Integer> payloadLengths = new ArrayList<>();
      int offset = RecordFormat.REGION_HEADER_BYTES;
      for (int bytes; (bytes = RecordFormat.validRecordBytes(newest, offset, config.regionBytes(), newestSeq)) > 0; offset += bytes) {
        if (RecordFormat.isLive(newest, offset) && RecordFormat.payloadLength(newest, offset) > 0) {
          payloadStarts.add(offset + RecordFormat.payloadStart(RecordFormat.versionLength(newest, offset)));
          payloadLengths.add(RecordFormat.payloadLength(newest, offset));
        }
      }
      if (payloadStarts.isEmpty()) {
        return false;
      }
      for (int i = Math.max(0, payloadStarts.size() - 3); i < payloadStarts.size(); i++) {
        int length = payloadLengths.get(i);
        int from = random.nextInt(length);
        int span = 1 + random.nextInt(length - from);
        ch.write(ByteBuffer.allocate(span), newest.fileOffset() + payloadStarts.get(i) + from);
      }
      return true;
    }
  }
}
