package io.needle.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Damaged input ends as ParquetException(CORRUPT) (or UNSUPPORTED), never as another exception
 * type or an OutOfMemoryError: bad_data files, truncations, random bytes, and footers with
 * random bytes flipped.
 */
class CorruptInputTest {
  private static final Executor DIRECT = Runnable::run;

  static List<Path> badData() throws Exception {
    return CorpusOracle.files(CorpusOracle.BAD_DATA);
  }

  /** Plans with every leaf as key (and describes); returns the failure kinds seen. */
  private static List<ParquetException.Kind> exercise(FileSource source) throws Exception {
    MetadataCache cache = new MetadataCache(MetadataCacheConfig.defaults(), DIRECT);
    List<ParquetException.Kind> kinds = new ArrayList<>();
    FileSummary summary;
    try {
      summary = cache.describe(source, null).get();
    } catch (ExecutionException e) {
      kinds.add(kind(e));
      return kinds;
    }
    var parsed = org.apache.parquet.format.Util.readFileMetaData(new java.io.ByteArrayInputStream(summary.schema().thriftFileMetaData()));
    for (var element : parsed.getSchema()) {
      if (element.getNum_children() > 0 || element.getName() == null) {
        continue;
      }
      for (Keys keys : List.of(Keys.ofLongs(0, 1, 7), Keys.ofBytes(new byte[] {'a'}))) {
        try {
          cache.plan(source, new LookupSpec(element.getName(), keys, List.of())).get();
        } catch (ExecutionException e) {
          kinds.add(kind(e));
        }
      }
    }
    return kinds;
  }

  private static ParquetException.Kind kind(ExecutionException e) {
    assertThat(e.getCause()).as("failure type").isInstanceOf(ParquetException.class);
    return ((ParquetException) e.getCause()).kind();
  }

  @ParameterizedTest
  @MethodSource("badData")
  void badDataFilesFailOnlyAsTypedErrors(Path file) throws Exception {
    List<ParquetException.Kind> kinds = exercise(new LocalFileSource(file));
    // lookup-shape errors (a float column as key...) are fine; damage must read as CORRUPT
    assertThat(kinds).doesNotContain(ParquetException.Kind.UNSUPPORTED);
    if (file.getFileName().toString().equals("PARQUET-1481.parquet")) {
      assertThat(kinds).containsExactly(ParquetException.Kind.CORRUPT);
    }
  }

  @Test
  void truncatedFilesAreCorrupt() throws Exception {
    for (String name : List.of("alltypes_tiny_pages.parquet", "nested_lists.snappy.parquet", "data_index_bloom_encoding_stats.parquet")) {
      byte[] whole = Files.readAllBytes(CorpusOracle.DATA.resolve(name));
      for (int length : new int[] {0, 3, 4, 8, 11, 12, 100, whole.length / 2, whole.length - 9, whole.length - 5, whole.length - 1}) {
        byte[] cut = Arrays.copyOf(whole, Math.max(0, length));
        List<ParquetException.Kind> kinds = exercise(new BytesSource(name + "@" + length, cut));
        assertThat(kinds).as("%s cut to %d", name, length).containsExactly(ParquetException.Kind.CORRUPT);
      }
    }
  }

  @Test
  void randomBytesAreCorrupt() throws Exception {
    Random random = new Random(42);
    for (int i = 0; i < 200; i++) {
      byte[] bytes = new byte[12 + random.nextInt(5000)];
      random.nextBytes(bytes);
      if (i % 2 == 0) { // valid magic at both ends, random footer length and footer
        System.arraycopy(FooterReader.MAGIC, 0, bytes, 0, 4);
        System.arraycopy(FooterReader.MAGIC, 0, bytes, bytes.length - 4, 4);
        if (i % 4 == 0) {
          int footer = random.nextInt(bytes.length - 11);
          bytes[bytes.length - 8] = (byte) footer;
          bytes[bytes.length - 7] = (byte) (footer >>> 8);
          bytes[bytes.length - 6] = 0;
          bytes[bytes.length - 5] = 0;
        }
      }
      List<ParquetException.Kind> kinds = exercise(new BytesSource("random" + i, bytes));
      assertThat(kinds).as("random file %d", i).containsExactly(ParquetException.Kind.CORRUPT);
    }
  }

  @Test
  void flippedFooterAndIndexBytesFailOnlyAsTypedErrors() throws Exception {
    Random random = new Random(7);
    for (String name : List.of("alltypes_tiny_pages.parquet", "data_index_bloom_encoding_stats.parquet", "nullable.impala.parquet",
        "datapage_v2.snappy.parquet", "dict-page-offset-zero.parquet")) {
      byte[] whole = Files.readAllBytes(CorpusOracle.DATA.resolve(name));
      int footerLength = (whole[whole.length - 8] & 0xff) | (whole[whole.length - 7] & 0xff) << 8 | (whole[whole.length - 6] & 0xff) << 16;
      int tailStart = Math.max(4, whole.length - 8 - footerLength - 4096); // footer plus the indexes before it
      for (int i = 0; i < 60; i++) {
        byte[] damaged = whole.clone();
        for (int f = 0; f < 1 + random.nextInt(4); f++) {
          int at = tailStart + random.nextInt(whole.length - 8 - tailStart);
          damaged[at] = (byte) random.nextInt(256);
        }
        exercise(new BytesSource(name + "#" + i, damaged)); // asserts typed failures only
      }
    }
  }

  @Test
  void encryptedFooterIsUnsupported() throws Exception {
    byte[] bytes = Files.readAllBytes(CorpusOracle.DATA.resolve("alltypes_plain.parquet"));
    System.arraycopy(FooterReader.ENCRYPTED_MAGIC, 0, bytes, bytes.length - 4, 4);
    assertThat(exercise(new BytesSource("encrypted", bytes))).containsExactly(ParquetException.Kind.UNSUPPORTED);
  }
}
