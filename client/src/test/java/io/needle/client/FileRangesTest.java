package io.needle.client;

import com.google.protobuf.ByteString;
import io.needle.protocol.proto.Key;
import io.needle.protocol.proto.KeyOrder;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** Routing through the sorted index finds, per file, exactly the keys a check of every file's range finds. */
class FileRangesTest {
  private static Key longKey(long v) {
    return Key.newBuilder().setIntValue(v).build();
  }

  private static Key bytesKey(byte[] v) {
    return Key.newBuilder().setBytesValue(ByteString.copyFrom(v)).build();
  }

  private static Map<String, BitSet> routed(FileRanges<TableView.FileEntry> index, KeyRanges keys) {
    Map<String, BitSet> out = new LinkedHashMap<>();
    index.route(keys, (f, admitted) -> out.put(f.path(), admitted));
    return out;
  }

  @Test
  void longKeysReachExactlyTheFilesWhoseRangesHoldThem() {
    SplittableRandom random = new SplittableRandom(11);
    for (int trial = 0; trial < 400; trial++) {
      boolean disjoint = random.nextBoolean();
      int fileCount = 1 + random.nextInt(60);
      List<TableView.FileEntry> files = new ArrayList<>();
      long[][] bounds = new long[fileCount][];
      for (int f = 0; f < fileCount; f++) {
        long min = disjoint ? f * 100L : random.nextLong(-500, 500);
        long max = disjoint ? min + random.nextInt(100) : min + random.nextInt(300);
        boolean unranged = random.nextInt(10) == 0;
        bounds[f] = unranged ? null : new long[] {min, max};
        files.add(new TableView.FileEntry(String.format("f%03d", f), "v", unranged ? null : longKey(min),
            unranged ? null : longKey(max), KeyOrder.KEY_ORDER_SIGNED_INT, f));
      }
      long[] keys = random.longs(1 + random.nextInt(50), -600, 6_500).distinct().toArray();
      boolean prune = random.nextInt(8) != 0;
      if (!prune) { // the worker named no order: nothing prunes
        files.replaceAll(e -> new TableView.FileEntry(e.path(), e.version(), e.keyMin(), e.keyMax(),
            KeyOrder.KEY_ORDER_UNKNOWN, e.routingHash()));
      }
      Map<String, BitSet> expected = new LinkedHashMap<>();
      for (int f = 0; f < fileCount; f++) {
        BitSet admitted = new BitSet();
        for (int k = 0; k < keys.length; k++) {
          if (!prune || bounds[f] == null || (bounds[f][0] <= keys[k] && keys[k] <= bounds[f][1])) {
            admitted.set(k);
          }
        }
        if (!admitted.isEmpty()) {
          expected.put(files.get(f).path(), admitted);
        }
      }
      FileRanges<TableView.FileEntry> index = FileRanges.of(files);
      Map<String, BitSet> actual = routed(index, KeyRanges.ofLongs(keys, index.order()));
      assertThat(actual).isEqualTo(expected);
      assertThat(List.copyOf(actual.keySet())).isSorted(); // manifest order
    }
  }

  @Test
  void byteKeysCompareUnsignedAcrossOverlappingFiles() {
    SplittableRandom random = new SplittableRandom(5);
    for (int trial = 0; trial < 300; trial++) {
      int fileCount = 1 + random.nextInt(30);
      List<TableView.FileEntry> files = new ArrayList<>();
      byte[][][] bounds = new byte[fileCount][][];
      for (int f = 0; f < fileCount; f++) {
        byte[] a = randomBytes(random);
        byte[] b = randomBytes(random);
        byte[] min = Arrays.compareUnsigned(a, b) <= 0 ? a : b;
        byte[] max = min == a ? b : a;
        bounds[f] = new byte[][] {min, max};
        files.add(new TableView.FileEntry(String.format("f%03d", f), "v", bytesKey(min), bytesKey(max),
            KeyOrder.KEY_ORDER_UNSIGNED_BYTES, f));
      }
      byte[][] keys = new byte[1 + random.nextInt(30)][];
      for (int k = 0; k < keys.length; k++) {
        keys[k] = randomBytes(random);
      }
      keys = distinct(keys);
      Map<String, BitSet> expected = new LinkedHashMap<>();
      for (int f = 0; f < fileCount; f++) {
        BitSet admitted = new BitSet();
        for (int k = 0; k < keys.length; k++) {
          if (Arrays.compareUnsigned(bounds[f][0], keys[k]) <= 0 && Arrays.compareUnsigned(keys[k], bounds[f][1]) <= 0) {
            admitted.set(k);
          }
        }
        if (!admitted.isEmpty()) {
          expected.put(files.get(f).path(), admitted);
        }
      }
      assertThat(routed(FileRanges.of(files), KeyRanges.ofBytes(keys, KeyOrder.KEY_ORDER_UNSIGNED_BYTES)))
          .isEqualTo(expected);
    }
  }

  @Test
  void oneKeyOfTenThousandSortedFilesReachesOneFile() {
    List<TableView.FileEntry> files = new ArrayList<>();
    for (int f = 0; f < 10_000; f++) {
      files.add(new TableView.FileEntry(String.format("part-%05d", f), "v", longKey(f * 10L), longKey(f * 10L + 9),
          KeyOrder.KEY_ORDER_SIGNED_INT, f));
    }
    Map<String, BitSet> routed = routed(FileRanges.of(files),
        KeyRanges.ofLongs(new long[] {73_215}, KeyOrder.KEY_ORDER_SIGNED_INT));
    assertThat(routed).containsOnlyKeys("part-07321");
  }

  @Test
  void unsignedRangesAcrossTheSignBitReachTheFileThatHoldsTheKey() {
    // Unsigned INT64 files: [0, 2^63 - 1] and [2^63, 2^64 - 1]; the second's bits are negative.
    List<TableView.FileEntry> files = List.of(
        new TableView.FileEntry("low", "v", longKey(0), longKey(Long.MAX_VALUE), KeyOrder.KEY_ORDER_UNSIGNED_INT, 0),
        new TableView.FileEntry("high", "v", longKey(Long.MIN_VALUE), longKey(-1), KeyOrder.KEY_ORDER_UNSIGNED_INT, 1));
    FileRanges<TableView.FileEntry> index = FileRanges.of(files);
    assertThat(routed(index, KeyRanges.ofLongs(new long[] {-5}, index.order()))).containsOnlyKeys("high");
    assertThat(routed(index, KeyRanges.ofLongs(new long[] {5}, index.order()))).containsOnlyKeys("low");
    // Keys sorted in another order than the files' prune nothing.
    assertThat(routed(index, KeyRanges.ofLongs(new long[] {-5}, KeyOrder.KEY_ORDER_SIGNED_INT)))
        .containsOnlyKeys("low", "high");
  }

  @Test
  void aFileInAnotherOrderThanTheTableAdmitsEveryKey() {
    List<TableView.FileEntry> files = List.of(
        new TableView.FileEntry("a", "v", longKey(0), longKey(9), KeyOrder.KEY_ORDER_SIGNED_INT, 0),
        new TableView.FileEntry("b", "v", longKey(10), longKey(19), KeyOrder.KEY_ORDER_UNSIGNED_INT, 1),
        new TableView.FileEntry("c", "v", longKey(20), longKey(29), KeyOrder.KEY_ORDER_SIGNED_INT, 2),
        new TableView.FileEntry("d", "v", null, null, KeyOrder.KEY_ORDER_UNKNOWN, 3));
    FileRanges<TableView.FileEntry> index = FileRanges.of(files);
    assertThat(index.order()).isEqualTo(KeyOrder.KEY_ORDER_SIGNED_INT);
    assertThat(routed(index, KeyRanges.ofLongs(new long[] {25}, index.order()))).containsOnlyKeys("b", "c", "d");
  }

  private static byte[] randomBytes(SplittableRandom random) {
    byte[] b = new byte[random.nextInt(3)];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) random.nextInt(256);
    }
    return b;
  }

  private static byte[][] distinct(byte[][] keys) {
    List<byte[]> out = new ArrayList<>();
    for (byte[] k : keys) {
      if (out.stream().noneMatch(o -> Arrays.equals(o, k))) {
        out.add(k);
      }
    }
    return out.toArray(byte[][]::new);
  }
}
