package io.needle.client;

import io.needle.decode.AnswerHeader;
import io.needle.decode.PageSegments;
import io.needle.protocol.proto.ColumnPages;
import io.needle.protocol.proto.DataPage;
import io.needle.protocol.proto.FileResult;
import io.needle.protocol.proto.LookupResponse;
import io.needle.protocol.proto.PageId;
import io.needle.protocol.proto.PageSegment;
import io.needle.protocol.proto.RowGroupPages;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Cutting a reply's payload into pages: offsets into the frame, heap or direct, checked against CRC32C (java.util.zip's). */
class ReplyPagesTest {
  private static final byte[] FIRST = "first page bytes".getBytes(StandardCharsets.UTF_8);
  private static final byte[] SECOND = "the second, a little longer".getBytes(StandardCharsets.UTF_8);

  @Test
  void pagesOfAHeapFrameAreOffsetsIntoItsArrayNotCopies() throws Exception {
    ByteBuf payload = Unpooled.buffer(64).writeBytes(FIRST).writeBytes(SECOND);
    try {
      PageSegments pages = ReplyPages.of(response(crc(FIRST), crc(SECOND)), payload);
      assertThat(pages.count()).isEqualTo(2);
      assertThat(pages.bytes().hasArray()).as("the decoder reads the array in place").isTrue();
      assertThat(pages.bytes().array()).isSameAs(payload.array());
      assertThat(bytes(pages, 0)).isEqualTo(FIRST);
      assertThat(bytes(pages, 1)).isEqualTo(SECOND);
    } finally {
      payload.release();
    }
  }

  @Test
  void pagesOfADirectFrameAreOffsetsIntoItsMemoryAndChecked() throws Exception {
    ByteBuf payload = PooledByteBufAllocator.DEFAULT.directBuffer(64).writeBytes(new byte[5]).writeBytes(FIRST)
        .writeBytes(SECOND);
    payload.skipBytes(5); // a frame's payload starts after its header
    try {
      PageSegments pages = ReplyPages.of(response(crc(FIRST), crc(SECOND)), payload);
      assertThat(pages.bytes().isDirect()).as("no copy to the heap").isTrue();
      assertThat(pages.bytes().getClass().getSimpleName()).doesNotContain("ReadOnly");
      assertThat(bytes(pages, 0)).isEqualTo(FIRST);
      assertThat(bytes(pages, 1)).isEqualTo(SECOND);
      assertThatThrownBy(() -> ReplyPages.of(response(crc(FIRST) ^ 4, crc(SECOND)), payload))
          .isInstanceOfSatisfying(ReplyPages.Corrupt.class, corrupt -> assertThat(corrupt.pages()).containsExactly(
              PageId.newBuilder().setPath("a.parquet").setVersion("v1").setOffset(4).build()));
    } finally {
      payload.release();
    }
  }

  @Test
  void aPageThatFailsItsChecksumIsNamedForTheWorker() throws Exception {
    ByteBuf payload = Unpooled.buffer(64).writeBytes(FIRST).writeBytes(SECOND);
    try {
      assertThatThrownBy(() -> ReplyPages.of(response(crc(FIRST), crc(SECOND) ^ 1), payload))
          .isInstanceOfSatisfying(ReplyPages.Corrupt.class, corrupt -> assertThat(corrupt.pages()).containsExactly(
              PageId.newBuilder().setPath("a.parquet").setVersion("v1").setOffset(4 + FIRST.length).build()));
    } finally {
      payload.release();
    }
  }

  @Test
  void lengthsThatOverrunThePayloadAreDataLoss() throws Exception {
    ByteBuf payload = Unpooled.buffer(64).writeBytes(FIRST);
    try {
      assertThatThrownBy(() -> ReplyPages.of(response(crc(FIRST), crc(SECOND)), payload))
          .isInstanceOfSatisfying(NeedleException.class,
              e -> assertThat(e.code()).isEqualTo(NeedleException.Code.DATA_LOSS));
    } finally {
      payload.release();
    }
  }

  private static AnswerHeader response(int firstCrc, int secondCrc) throws Exception {
    return AnswerHeader.parse(LookupResponse.newBuilder()
        .addPages(PageSegment.newBuilder().setLength(FIRST.length).setCrc32C(firstCrc).setHasCrc32C(true).setFileOffset(4))
        .addPages(PageSegment.newBuilder().setLength(SECOND.length).setCrc32C(secondCrc).setHasCrc32C(true)
            .setFileOffset(4 + FIRST.length))
        .addFiles(FileResult.newBuilder().setPath("a.parquet").setVersion("v1").addRowGroups(RowGroupPages.newBuilder()
            .addColumns(ColumnPages.newBuilder().setDictionaryPage(-1)
                .addDataPages(DataPage.newBuilder().setPage(0)).addDataPages(DataPage.newBuilder().setPage(1)))))
        .build().toByteArray());
  }

  private static int crc(byte[] bytes) {
    CRC32C crc = new CRC32C();
    crc.update(bytes);
    return (int) crc.getValue();
  }

  private static byte[] bytes(PageSegments pages, int i) {
    byte[] out = new byte[pages.length(i)];
    pages.bytes().get(pages.start(i), out);
    return out;
  }
}
