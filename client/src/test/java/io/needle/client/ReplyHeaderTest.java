package io.needle.client;

import com.google.protobuf.InvalidProtocolBufferException;
import io.needle.decode.AnswerHeader;
import io.needle.protocol.Messages;
import io.needle.protocol.proto.ColumnPages;
import io.needle.protocol.proto.DataPage;
import io.needle.protocol.proto.DescribeResponse;
import io.needle.protocol.proto.ErrorCode;
import io.needle.protocol.proto.FileResult;
import io.needle.protocol.proto.LookupResponse;
import io.needle.protocol.proto.PageSegment;
import io.needle.protocol.proto.Response;
import io.needle.protocol.proto.RowGroupPages;
import io.needle.protocol.proto.WorkerTimings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A reply's header read as the client reads it ({@link ReplyHeader}: lookups flat, the rest as
 * messages) against protobuf's parser of the whole {@code Response} ({@link Messages}), on
 * random replies and byte-mutated ones, from heap and direct buffers.
 */
class ReplyHeaderTest {
  @Test
  void aLookupAnswerIsReadFlatAndOtherRepliesWhole() throws Exception {
    Response lookup = Response.newBuilder().setRequestId(77).setLookup(answer(new SplittableRandom(1))).build();
    ReplyHeader flat = parse(lookup.toByteArray(), true);
    assertThat(flat.response()).as("no message objects for a lookup answer").isNull();
    assertThat(flat.requestId()).isEqualTo(77);
    assertThat(flat.hasError()).isFalse();
    assertSameAnswer(flat.lookup(), lookup.getLookup(), "lookup");

    Response error = Response.newBuilder().setRequestId(78).setError(io.needle.protocol.proto.Error.newBuilder()
        .setCode(ErrorCode.NOT_FOUND).setMessage("gone")).build();
    ReplyHeader failed = parse(error.toByteArray(), false);
    assertThat(failed.hasError()).isTrue();
    assertThat(failed.error().getMessage()).isEqualTo("gone");
    assertThat(failed.requestId()).isEqualTo(78);

    Response describe = Response.newBuilder().setRequestId(79).setDescribe(DescribeResponse.getDefaultInstance()).build();
    assertThat(parse(describe.toByteArray(), true).response()).isEqualTo(describe);
  }

  @Test
  void mutatedRepliesReadTheSameOrAreRejectedByBoth() throws Exception {
    SplittableRandom random = new SplittableRandom(3);
    int accepted = 0;
    for (int i = 0; i < 3_000; i++) {
      Response reply = Response.newBuilder().setRequestId(random.nextLong(1L << 40)).setLookup(answer(random)).build();
      byte[] bytes = mutate(reply.toByteArray(), random);
      Response oracle;
      try {
        oracle = Response.parseFrom(bytes);
      } catch (InvalidProtocolBufferException e) {
        oracle = null;
      }
      ReplyHeader read;
      try {
        read = parse(bytes, i % 2 == 0);
      } catch (InvalidProtocolBufferException e) {
        read = null;
      }
      String what = "mutation " + i + ": " + Arrays.toString(bytes);
      if (oracle == null) {
        assertThat(read).as(what).isNull();
        continue;
      }
      accepted++;
      assertThat(read).as(what).isNotNull();
      assertThat(read.requestId()).as(what).isEqualTo(oracle.getRequestId());
      if (read.response() != null) {
        assertThat(read.response()).as(what).isEqualTo(oracle);
      } else {
        assertSameAnswer(read.lookup(), oracle.getLookup(), what);
      }
    }
    assertThat(accepted).isGreaterThan(300);
  }

  private static ReplyHeader parse(byte[] header, boolean direct) throws InvalidProtocolBufferException {
    ByteBuf buffer = direct ? PooledByteBufAllocator.DEFAULT.directBuffer(header.length).writeBytes(header)
        : Unpooled.wrappedBuffer(header);
    try {
      return ReplyHeader.parse(buffer);
    } finally {
      buffer.release();
    }
  }

  /** The fields the client reads of an answer (AnswerHeaderTest in decode compares every field). */
  private static void assertSameAnswer(AnswerHeader flat, LookupResponse proto, String what) {
    assertThat(flat.pageCount()).as(what).isEqualTo(proto.getPagesCount());
    for (int p = 0; p < proto.getPagesCount(); p++) {
      assertThat(flat.pageLength(p)).as(what).isEqualTo(proto.getPages(p).getLength());
      assertThat(flat.pageCrc32c(p)).as(what).isEqualTo(proto.getPages(p).getCrc32C());
    }
    assertThat(flat.fileCount()).as(what).isEqualTo(proto.getFilesCount());
    int column = 0;
    for (int f = 0; f < proto.getFilesCount(); f++) {
      assertThat(flat.path(f)).as(what).isEqualTo(proto.getFiles(f).getPath());
      assertThat(flat.schemaId(f)).as(what).isEqualTo(proto.getFiles(f).getSchemaId());
      for (RowGroupPages rg : proto.getFiles(f).getRowGroupsList()) {
        for (ColumnPages c : rg.getColumnsList()) {
          assertThat(flat.leaf(column)).as(what).isEqualTo(c.getLeaf());
          assertThat(flat.dataPageCount(column)).as(what).isEqualTo(c.getDataPagesCount());
          for (int i = 0; i < c.getDataPagesCount(); i++) {
            assertThat(flat.firstRow(column, i)).as(what).isEqualTo(c.getDataPages(i).getFirstRow());
          }
          column++;
        }
      }
    }
    assertThat(flat.planNanos()).as(what).isEqualTo(proto.getTimings().getPlanNanos());
  }

  private static LookupResponse answer(SplittableRandom random) {
    LookupResponse.Builder answer = LookupResponse.newBuilder()
        .setTimings(WorkerTimings.newBuilder().setPlanNanos(random.nextInt(100_000)).setReadNanos(random.nextInt(9_000)));
    int pages = 0;
    for (int f = 1 + random.nextInt(2); f > 0; f--) {
      RowGroupPages.Builder rg = RowGroupPages.newBuilder().setRowGroup(random.nextInt(8)).setRowCount(100_000);
      for (int c = 1 + random.nextInt(12); c > 0; c--) {
        rg.addColumns(ColumnPages.newBuilder().setLeaf(c).setCodecValue(1).setDictionaryPage(-1)
            .addDataPages(DataPage.newBuilder().setPage(pages++).setFirstRow(random.nextInt(100_000))));
      }
      answer.addFiles(FileResult.newBuilder().setPath("part-" + f + ".parquet").setVersion("v" + random.nextInt())
          .setSchemaId(random.nextLong()).addRowGroups(rg));
    }
    for (int p = 0; p < pages; p++) {
      answer.addPages(PageSegment.newBuilder().setLength(random.nextInt(9_000)).setCrc32C(random.nextInt())
          .setHasCrc32C(true).setFileOffset(random.nextLong(1L << 30)));
    }
    return answer.build();
  }

  private static byte[] mutate(byte[] bytes, SplittableRandom random) {
    byte[] out = bytes.clone();
    for (int edits = 1 + random.nextInt(2); edits > 0; edits--) {
      int at = random.nextInt(out.length);
      if (random.nextInt(4) == 0) {
        out = Arrays.copyOf(out, at);
        if (out.length == 0) {
          return out;
        }
      } else {
        out[at] ^= (byte) (1 << random.nextInt(8));
      }
    }
    return out;
  }
}
