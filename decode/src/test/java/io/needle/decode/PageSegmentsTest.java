package io.needle.decode;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Segments are offsets into one buffer: checked against its limit once, read by absolute index. */
class PageSegmentsTest {
  @Test
  void segmentsOutsideTheBufferLimitAreRejectedAtTheBoundary() {
    ByteBuffer bytes = ByteBuffer.allocateDirect(64).limit(40);
    assertThat(PageSegments.of(bytes, new int[] {0, 30}, new int[] {30, 10}).count()).isEqualTo(2);
    assertThatThrownBy(() -> PageSegments.of(bytes, new int[] {0, 30}, new int[] {30, 11}))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("segment 1");
    assertThatThrownBy(() -> PageSegments.of(bytes, new int[] {-1}, new int[] {1}))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PageSegments.of(bytes, new int[] {0}, new int[] {1, 2}))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void copiesLaySegmentsBackToBackWithoutMovingTheSources() {
    ByteBuffer first = ByteBuffer.wrap(new byte[] {9, 1, 2, 3}).position(1);
    ByteBuffer second = ByteBuffer.allocateDirect(2).put(0, (byte) 4).put(1, (byte) 5);
    for (boolean direct : new boolean[] {false, true}) {
      PageSegments pages = PageSegments.copyOf(List.of(first, second), direct);
      assertThat(pages.bytes().isDirect()).isEqualTo(direct);
      assertThat(pages.start(1)).isEqualTo(3);
      assertThat(pages.length(0)).isEqualTo(3);
      byte[] all = new byte[5];
      pages.bytes().get(0, all);
      assertThat(all).containsExactly(1, 2, 3, 4, 5);
      assertThat(first.position()).isEqualTo(1);
      assertThat(second.position()).isZero();
    }
  }
}
