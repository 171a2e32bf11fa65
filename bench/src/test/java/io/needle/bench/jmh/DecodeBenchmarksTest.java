package io.needle.bench.jmh;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Runs every case of {@link DecodeBenchmarks} once, at the first, a middle and the last row of
 * the page, so none rots: the hand-made page decodes to the value written there, and each
 * encoding in its {@code @Param} list is one the benchmark can build.
 */
class DecodeBenchmarksTest {
  @Test
  void everyEncodingDecodesTheValueWrittenAtTheRow() throws Exception {
    Set<DecodeBenchmarks.Case> seen = EnumSet.noneOf(DecodeBenchmarks.Case.class);
    for (DecodeBenchmarks.Case c : DecodeBenchmarks.Case.values()) {
      for (int row : new int[] {0, 500, DecodeBenchmarks.VALUES - 1}) {
        DecodeBenchmarks b = new DecodeBenchmarks();
        b.encoding = c;
        b.row = row;
        b.setUp();
        assertThat(b.decodeOneValue()).as("%s row %d", c, row).isEqualTo(b.expected())
            .isEqualTo(DecodeBenchmarks.values(c.type())[row]);
        seen.add(c);
      }
    }
    assertThat(seen).hasSize(11);
    assertThat(DecodeBenchmarks.class.getDeclaredField("encoding").getAnnotation(org.openjdk.jmh.annotations.Param.class)
        .value()).hasSize(DecodeBenchmarks.Case.values().length);
  }
}
