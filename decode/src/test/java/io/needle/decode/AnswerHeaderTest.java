package io.needle.decode;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.needle.protocol.proto.ColumnPages;
import io.needle.protocol.proto.DataPage;
import io.needle.protocol.proto.FileResult;
import io.needle.protocol.proto.LookupResponse;
import io.needle.protocol.proto.PageSegment;
import io.needle.protocol.proto.RowGroupPages;
import io.needle.protocol.proto.WorkerTimings;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * {@link AnswerHeader} against protobuf's generated parser (the oracle): random answers, then
 * byte-mutated ones (flips, cuts, insertions, deletions, random tails of fields the message does
 * not declare), must give the same fields, or both must reject the bytes.
 */
class AnswerHeaderTest {
  private static final String[] PATHS = {"a.parquet", "dir/b.parquet", "", "ünïcode/ß.parquet", "x".repeat(200)};

  @Test
  void randomAnswersReadTheSameAsProtobufReadsThem() throws Exception {
    SplittableRandom random = new SplittableRandom(16);
    for (int i = 0; i < 500; i++) {
      LookupResponse answer = randomAnswer(random);
      byte[] bytes = answer.toByteArray();
      assertSame(AnswerHeader.parse(bytes), LookupResponse.parseFrom(bytes), "answer " + i);
    }
  }

  @Test
  void mutatedAnswersReadTheSameOrAreRejectedByBoth() throws Exception {
    SplittableRandom random = new SplittableRandom(12);
    int accepted = 0;
    int rejected = 0;
    for (int i = 0; i < 6_000; i++) {
      byte[] bytes = mutate(randomAnswer(random).toByteArray(), random);
      LookupResponse oracle;
      try {
        oracle = LookupResponse.parseFrom(bytes);
      } catch (InvalidProtocolBufferException e) {
        oracle = null;
      }
      AnswerHeader flat;
      try {
        flat = AnswerHeader.parse(bytes);
      } catch (InvalidProtocolBufferException e) {
        flat = null;
      }
      String what = "mutation " + i + ": " + Arrays.toString(bytes);
      if (oracle == null) {
        assertThat(flat).as("protobuf rejects, so must the flat reader: %s", what).isNull();
        rejected++;
      } else {
        assertThat(flat).as("protobuf accepts, so must the flat reader: %s", what).isNotNull();
        assertSame(flat, oracle, what);
        accepted++;
      }
    }
    // Both outcomes must be exercised, or the comparison proves little.
    assertThat(accepted).isGreaterThan(500);
    assertThat(rejected).isGreaterThan(500);
  }

  @Test
  void unpackedDeletedRowsAndRepeatedMessagesMergeAsProtobufMerges() throws Exception {
    // deleted_rows (field 4 of RowGroupPages) unpacked, a scalar given twice, timings given twice.
    ByteArrayOutputStream rowGroup = new ByteArrayOutputStream();
    CodedOutputStream rg = CodedOutputStream.newInstance(rowGroup);
    rg.writeUInt32(1, 3);
    rg.writeUInt64(4, 7);
    rg.writeUInt32(1, 5);
    rg.writeUInt64(4, 9);
    rg.writeByteArray(3, ColumnPages.newBuilder().setLeaf(2).setDictionaryPage(-1).addDataPages(DataPage.newBuilder()
        .setPage(0).setFirstRow(-1)).build().toByteArray());
    rg.flush();
    ByteArrayOutputStream file = new ByteArrayOutputStream();
    CodedOutputStream f = CodedOutputStream.newInstance(file);
    f.writeString(1, "p.parquet");
    f.writeByteArray(4, rowGroup.toByteArray());
    f.flush();
    ByteArrayOutputStream answer = new ByteArrayOutputStream();
    CodedOutputStream a = CodedOutputStream.newInstance(answer);
    a.writeByteArray(3, WorkerTimings.newBuilder().setPlanNanos(11).setReadNanos(12).build().toByteArray());
    a.writeByteArray(1, file.toByteArray());
    a.writeByteArray(3, WorkerTimings.newBuilder().setReadNanos(13).build().toByteArray());
    a.flush();
    byte[] bytes = answer.toByteArray();
    AnswerHeader flat = AnswerHeader.parse(bytes);
    assertSame(flat, LookupResponse.parseFrom(bytes), "hand-written");
    assertThat(flat.rowGroupNumber(0)).isEqualTo(5);
    assertThat(flat.planNanos()).isEqualTo(11);
    assertThat(flat.readNanos()).isEqualTo(13);
  }

  private static void assertSame(AnswerHeader flat, LookupResponse proto, String what) {
    assertThat(flat.planNanos()).as(what).isEqualTo(proto.getTimings().getPlanNanos());
    assertThat(flat.readNanos()).as(what).isEqualTo(proto.getTimings().getReadNanos());
    assertThat(flat.pageCount()).as(what).isEqualTo(proto.getPagesCount());
    for (int p = 0; p < proto.getPagesCount(); p++) {
      PageSegment s = proto.getPages(p);
      if (flat.pageLength(p) != s.getLength() || flat.pageCrc32c(p) != s.getCrc32C()
          || flat.pageHasCrc32c(p) != s.getHasCrc32C() || flat.pageFileOffset(p) != s.getFileOffset()) {
        fail(what + ": page " + p + " differs from " + s);
      }
    }
    assertThat(flat.fileCount()).as(what).isEqualTo(proto.getFilesCount());
    int rg = 0;
    int column = 0;
    for (int f = 0; f < proto.getFilesCount(); f++) {
      FileResult file = proto.getFiles(f);
      assertThat(flat.path(f)).as(what).isEqualTo(file.getPath());
      assertThat(flat.version(f)).as(what).isEqualTo(file.getVersion());
      assertThat(flat.schemaId(f)).as(what).isEqualTo(file.getSchemaId());
      assertThat(flat.firstRowGroup(f)).as(what).isEqualTo(rg);
      assertThat(flat.rowGroupEnd(f) - flat.firstRowGroup(f)).as(what).isEqualTo(file.getRowGroupsCount());
      for (RowGroupPages g : file.getRowGroupsList()) {
        assertThat(flat.rowGroupNumber(rg)).as(what).isEqualTo(g.getRowGroup());
        assertThat(flat.rowCount(rg)).as(what).isEqualTo(g.getRowCount());
        assertThat(flat.deletedRowCount(rg)).as(what).isEqualTo(g.getDeletedRowsCount());
        for (int d = 0; d < g.getDeletedRowsCount(); d++) {
          assertThat(flat.deletedRow(rg, d)).as(what).isEqualTo(g.getDeletedRows(d));
        }
        assertThat(flat.firstColumn(rg)).as(what).isEqualTo(column);
        assertThat(flat.columnEnd(rg) - flat.firstColumn(rg)).as(what).isEqualTo(g.getColumnsCount());
        for (ColumnPages c : g.getColumnsList()) {
          assertThat(flat.leaf(column)).as(what).isEqualTo(c.getLeaf());
          assertThat(flat.codec(column)).as(what).isEqualTo(c.getCodec());
          assertThat(flat.codecValue(column)).as(what).isEqualTo(c.getCodecValue());
          assertThat(flat.dictionaryPage(column)).as(what).isEqualTo(c.getDictionaryPage());
          assertThat(flat.dataPageCount(column)).as(what).isEqualTo(c.getDataPagesCount());
          for (int i = 0; i < c.getDataPagesCount(); i++) {
            assertThat(flat.dataPage(column, i)).as(what).isEqualTo(c.getDataPages(i).getPage());
            assertThat(flat.firstRow(column, i)).as(what).isEqualTo(c.getDataPages(i).getFirstRow());
          }
          column++;
        }
        rg++;
      }
    }
    assertThat(flat.rowGroupCount()).as(what).isEqualTo(rg);
  }

  /** An answer shaped like the worker's (files, row groups, columns, pages), with random values and sizes. */
  static LookupResponse randomAnswer(SplittableRandom random) {
    LookupResponse.Builder answer = LookupResponse.newBuilder();
    int pages = 0;
    for (int f = random.nextInt(4); f > 0; f--) {
      FileResult.Builder file = FileResult.newBuilder().setPath(PATHS[random.nextInt(PATHS.length)])
          .setVersion(Long.toHexString(random.nextLong())).setSchemaId(random.nextLong());
      for (int g = random.nextInt(4); g > 0; g--) {
        RowGroupPages.Builder rg = RowGroupPages.newBuilder().setRowGroup(random.nextInt(1 << 20))
            .setRowCount(random.nextLong(1L << 40));
        for (int d = random.nextInt(3) == 0 ? random.nextInt(6) : 0; d > 0; d--) {
          rg.addDeletedRows(random.nextLong(1L << 33));
        }
        for (int c = random.nextInt(14); c > 0; c--) {
          ColumnPages.Builder column = ColumnPages.newBuilder().setLeaf(random.nextInt(300))
              .setCodecValue(random.nextInt(10)).setDictionaryPage(random.nextBoolean() ? -1 : pages++);
          for (int p = 1 + random.nextInt(3); p > 0; p--) {
            column.addDataPages(DataPage.newBuilder().setPage(pages++)
                .setFirstRow(random.nextInt(4) == 0 ? -1 : random.nextLong(1L << 36)));
          }
          rg.addColumns(column);
        }
        file.addRowGroups(rg);
      }
      answer.addFiles(file);
    }
    for (int p = 0; p < pages; p++) {
      PageSegment.Builder segment = PageSegment.newBuilder().setLength(random.nextInt(1 << 17))
          .setFileOffset(random.nextLong(1L << 38));
      if (random.nextBoolean()) {
        segment.setCrc32C(random.nextInt()).setHasCrc32C(true);
      }
      answer.addPages(segment);
    }
    if (random.nextBoolean()) {
      answer.setTimings(WorkerTimings.newBuilder().setPlanNanos(random.nextLong(1L << 30)).setReadNanos(random.nextInt()));
    }
    if (random.nextInt(5) == 0) { // a field this build does not declare: both must skip it
      answer.setUnknownFields(com.google.protobuf.UnknownFieldSet.newBuilder().addField(9,
          com.google.protobuf.UnknownFieldSet.Field.newBuilder().addLengthDelimited(ByteString.copyFromUtf8("future"))
              .addVarint(random.nextLong()).build()).build());
    }
    return answer.build();
  }

  /** One to three byte-level edits: flip a bit, set a byte, cut, insert or delete. */
  static byte[] mutate(byte[] bytes, SplittableRandom random) {
    byte[] out = bytes;
    for (int edits = 1 + random.nextInt(3); edits > 0; edits--) {
      if (out.length == 0) {
        return new byte[] {(byte) random.nextInt(256)};
      }
      int at = random.nextInt(out.length);
      switch (random.nextInt(5)) {
        case 0 -> {
          out = out.clone();
          out[at] ^= (byte) (1 << random.nextInt(8));
        }
        case 1 -> {
          out = out.clone();
          out[at] = (byte) random.nextInt(256);
        }
        case 2 -> out = Arrays.copyOf(out, at);
        case 3 -> {
          byte[] grown = new byte[out.length + 1];
          System.arraycopy(out, 0, grown, 0, at);
          grown[at] = (byte) random.nextInt(256);
          System.arraycopy(out, at, grown, at + 1, out.length - at);
          out = grown;
        }
        default -> {
          byte[] shrunk = new byte[out.length - 1];
          System.arraycopy(out, 0, shrunk, 0, at);
          System.arraycopy(out, at + 1, shrunk, at, out.length - at - 1);
          out = shrunk;
        }
      }
    }
    return out;
  }
}
