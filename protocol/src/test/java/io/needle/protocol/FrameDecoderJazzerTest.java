package io.needle.protocol;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.util.ArrayList;
import java.util.List;

/**
 * Coverage-guided fuzz of the frame decoder (issue 13), with the checks of
 * {@link FrameDecoderFuzzTest}. Input layout: byte 0 gives the number of reads (1-20), the next
 * two bytes per read its size (1-700), one byte the gate's state per read (bit i: shut), the rest
 * is the byte stream. The default build replays the seed corpus under
 * {@code src/test/resources/io/needle/protocol/FrameDecoderJazzerTestInputs/frames}; fuzzing runs
 * with {@code JAZZER_FUZZ=1} (see docs/RELIABILITY.md).
 */
class FrameDecoderJazzerTest {
  @FuzzTest(maxDuration = "5m")
  void frames(byte[] data) throws Exception {
    if (data.length == 0) {
      return;
    }
    int reads = 1 + (data[0] & 0xff) % 20;
    int at = 1;
    List<Integer> cuts = new ArrayList<>();
    for (int i = 0; i < reads && at + 1 < data.length; i++, at += 2) {
      cuts.add(1 + (((data[at] & 0xff) << 8) | (data[at + 1] & 0xff)) % 700);
    }
    if (cuts.isEmpty()) {
      cuts.add(700);
    }
    int shut = at < data.length ? data[at++] & 0xff : 0;
    List<Boolean> gates = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      gates.add((shut & (1 << i)) == 0);
    }
    byte[] stream = java.util.Arrays.copyOfRange(data, Math.min(at, data.length), data.length);
    FrameDecoderFuzzTest.check(List.of(new FrameDecoderFuzzTest.Piece(stream, false)), cuts, gates);
  }
}
