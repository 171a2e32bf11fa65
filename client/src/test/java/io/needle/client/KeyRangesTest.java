package io.needle.client;

import com.google.protobuf.ByteString;
import io.needle.protocol.proto.Key;
import io.needle.protocol.proto.KeyOrder;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.BitSet;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class KeyRangesTest {
  private static Key longKey(long v) {
    return Key.newBuilder().setIntValue(v).build();
  }

  private static Key bytesKey(byte[] v) {
    return Key.newBuilder().setBytesValue(ByteString.copyFrom(v)).build();
  }

  @Test
  void longRangesAdmitExactlyTheKeysALinearScanFinds() {
    SplittableRandom random = new SplittableRandom(3);
    for (int trial = 0; trial < 500; trial++) {
      long[] keys = new long[1 + random.nextInt(40)];
      for (int i = 0; i < keys.length; i++) {
        keys[i] = random.nextInt(3) == 0 ? random.nextLong() : random.nextLong(-50, 50); // negatives too
      }
      keys = Arrays.stream(keys).distinct().toArray();
      KeyRanges ranges = KeyRanges.ofLongs(keys, KeyOrder.KEY_ORDER_SIGNED_INT);
      long a = random.nextLong(-60, 60);
      long b = random.nextLong(-60, 60);
      long min = Math.min(a, b);
      long max = Math.max(a, b);
      BitSet expected = new BitSet();
      for (int i = 0; i < keys.length; i++) {
        if (keys[i] >= min && keys[i] <= max) {
          expected.set(i);
        }
      }
      assertThat(ranges.admitted(longKey(min), longKey(max))).isEqualTo(expected);
    }
  }

  @Test
  void byteRangesCompareUnsigned() {
    byte[][] keys = {{0x01}, {(byte) 0x80}, {(byte) 0xff}, {0x7f, 0x00}, {}};
    KeyRanges ranges = KeyRanges.ofBytes(keys, KeyOrder.KEY_ORDER_UNSIGNED_BYTES);
    BitSet admitted = ranges.admitted(bytesKey(new byte[] {0x7f}), bytesKey(new byte[] {(byte) 0x90}));
    // 0x7f00 and 0x80 lie in [0x7f, 0x90] unsigned; 0x01, 0xff and the empty key do not
    assertThat(admitted.stream().toArray()).containsExactlyInAnyOrder(1, 3);
  }

  @Test
  void unsignedLongRangesAdmitExactlyTheKeysAnUnsignedScanFinds() {
    SplittableRandom random = new SplittableRandom(7);
    for (int trial = 0; trial < 500; trial++) {
      long[] keys = random.longs(1 + random.nextInt(40)).distinct().toArray();
      long a = random.nextLong();
      long b = random.nextLong();
      long min = Long.compareUnsigned(a, b) <= 0 ? a : b;
      long max = min == a ? b : a;
      BitSet expected = new BitSet();
      for (int i = 0; i < keys.length; i++) {
        if (Long.compareUnsigned(keys[i], min) >= 0 && Long.compareUnsigned(keys[i], max) <= 0) {
          expected.set(i);
        }
      }
      assertThat(KeyRanges.ofLongs(keys, KeyOrder.KEY_ORDER_UNSIGNED_INT).admitted(longKey(min), longKey(max)))
          .isEqualTo(expected);
    }
  }

  @Test
  void anOrderOfTheOtherKindPrunesNothing() {
    assertThat(KeyRanges.ofLongs(new long[] {1, 2}, KeyOrder.KEY_ORDER_UNSIGNED_BYTES).pruning()).isFalse();
    assertThat(KeyRanges.ofBytes(new byte[][] {{1}}, KeyOrder.KEY_ORDER_SIGNED_INT).pruning()).isFalse();
  }

  @Test
  void withoutPruningOrWithoutARangeEveryKeyIsAdmitted() {
    long[] keys = {5, 10, 15};
    assertThat(KeyRanges.ofLongs(keys, KeyOrder.KEY_ORDER_UNKNOWN).admitted(longKey(0), longKey(1)).cardinality()).isEqualTo(3);
    assertThat(KeyRanges.ofLongs(keys, KeyOrder.KEY_ORDER_SIGNED_INT).admitted(null, null).cardinality()).isEqualTo(3);
    assertThat(KeyRanges.ofLongs(keys, KeyOrder.KEY_ORDER_SIGNED_INT).admitted(longKey(0), longKey(1)).cardinality()).isZero();
    // a range of the wrong kind (bytes for a long column) is not trusted
    assertThat(KeyRanges.ofLongs(keys, KeyOrder.KEY_ORDER_SIGNED_INT).admitted(bytesKey(new byte[] {1}), bytesKey(new byte[] {2})).cardinality())
        .isEqualTo(3);
  }
}
