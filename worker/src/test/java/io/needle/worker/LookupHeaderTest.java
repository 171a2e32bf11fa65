package io.needle.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.CodedOutputStream;
import io.needle.metadata.ColumnPlan;
import io.needle.metadata.FilePlan;
import io.needle.metadata.FileVersion;
import io.needle.metadata.PageRef;
import io.needle.metadata.RowGroupPlan;
import io.needle.metadata.SchemaInfo;
import io.needle.protocol.proto.ColumnPages;
import io.needle.protocol.proto.DataPage;
import io.needle.protocol.proto.FileResult;
import io.needle.protocol.proto.LookupResponse;
import io.needle.protocol.proto.PageSegment;
import io.needle.protocol.proto.Response;
import io.needle.protocol.proto.RowGroupPages;
import io.needle.protocol.proto.WorkerTimings;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.parquet.format.CompressionCodec;
import org.junit.jupiter.api.Test;

/**
 * The lookup header encoded straight from plans is exactly what protobuf writes for the same
 * answer built from its generated builders: the same bytes, so every client parses it as before.
 * Plans are random, with the values proto3 leaves out (zeros) and the negative ones (-1 for "no
 * dictionary" and "first row unknown") drawn often.
 */
class LookupHeaderTest {

  @Test
  void encodesWhatProtobufWrites() throws Exception {
    Random random = new Random(16);
    for (int round = 0; round < 500; round++) {
      LookupHeader header = new LookupHeader();
      LookupResponse.Builder expected = LookupResponse.newBuilder();
      int files = random.nextInt(4);
      for (int f = 0; f < files; f++) {
        addFile(random, header, expected, "part-" + f + (random.nextBoolean() ? "-é.parquet" : ".parquet"));
      }
      boolean stored = random.nextBoolean();
      if (stored) {
        int[] crcs = new int[header.pageCount()];
        for (int i = 0; i < crcs.length; i++) {
          crcs[i] = random.nextInt(4) == 0 ? 0 : random.nextInt();
          expected.getPagesBuilder(i).setCrc32C(crcs[i]).setHasCrc32C(true);
        }
        header.crcs(crcs);
      }
      long requestId = random.nextInt(3) == 0 ? 0 : random.nextLong() >>> random.nextInt(64);
      long plan = random.nextInt(3) == 0 ? 0 : random.nextInt(1_000_000);
      long read = random.nextInt(3) == 0 ? 0 : random.nextInt(1_000_000);
      expected.setTimings(WorkerTimings.newBuilder().setPlanNanos(plan).setReadNanos(read));
      byte[] want = Response.newBuilder().setRequestId(requestId).setLookup(expected).build().toByteArray();

      byte[] got = new byte[header.serializedSize(requestId, plan, read)];
      CodedOutputStream out = CodedOutputStream.newInstance(got);
      header.writeTo(out, requestId, plan, read);
      out.checkNoSpaceLeft();
      assertArrayEquals(want, got, "round " + round);
      assertEquals(Response.parseFrom(want), Response.parseFrom(got));
    }
  }

  @Test
  void messageHeaderWritesTheRequestIdBeforeTheMessage() throws Exception {
    Response describe = Response.newBuilder().setRefresh(io.needle.protocol.proto.RefreshResponse.newBuilder()
        .addFiles(io.needle.protocol.proto.FileDescription.newBuilder().setPath("a").setSizeBytes(7))).build();
    for (long id : new long[] {0, 1, 300, Long.MAX_VALUE, -1}) {
      AnswerHeader header = AnswerHeader.of(describe);
      byte[] got = new byte[header.serializedSize(id, 5, 6)];
      CodedOutputStream out = CodedOutputStream.newInstance(got);
      header.writeTo(out, id, 5, 6);
      out.checkNoSpaceLeft();
      assertArrayEquals(describe.toBuilder().setRequestId(id).build().toByteArray(), got);
    }
  }

  /** A random file plan, added to the header as the assembler does and to the expected message. */
  private static void addFile(Random random, LookupHeader header, LookupResponse.Builder expected, String path) {
    List<RowGroupPlan> rowGroups = new ArrayList<>();
    List<Long> offsets = new ArrayList<>(); // distinct pages of the file, one per reference here
    List<Integer> lengths = new ArrayList<>();
    List<Integer> indexes = new ArrayList<>();
    int firstPage = header.pageCount();
    FileResult.Builder file = FileResult.newBuilder().setPath(path);
    int rgs = random.nextInt(3);
    long offset = random.nextInt(2) * 4;
    for (int r = 0; r < rgs; r++) {
      int rowGroup = random.nextInt(3) == 0 ? 0 : random.nextInt(5000);
      long rowCount = random.nextInt(5) == 0 ? 0 : random.nextInt(2_000_000);
      RowGroupPages.Builder rgb = RowGroupPages.newBuilder().setRowGroup(rowGroup).setRowCount(rowCount);
      List<ColumnPlan> columns = new ArrayList<>();
      int cols = 1 + random.nextInt(13);
      for (int c = 0; c < cols; c++) {
        CompressionCodec codec = CompressionCodec.values()[random.nextInt(CompressionCodec.values().length)];
        int leaf = random.nextInt(3) == 0 ? 0 : random.nextInt(300);
        ColumnPages.Builder cb = ColumnPages.newBuilder().setLeaf(leaf).setCodec(ResponseAssembler.wireCodec(codec));
        PageRef dictionary = null;
        if (random.nextBoolean()) {
          dictionary = new PageRef(offset, 1 + random.nextInt(9000), -1);
          cb.setDictionaryPage(firstPage + offsets.size());
          indexes.add(firstPage + offsets.size());
          offsets.add(offset);
          lengths.add(dictionary.length());
          offset += dictionary.length();
        } else {
          cb.setDictionaryPage(-1);
          indexes.add(-1);
        }
        List<PageRef> data = new ArrayList<>();
        int pages = random.nextInt(4);
        for (int p = 0; p < pages; p++) {
          long firstRow = switch (random.nextInt(3)) {
            case 0 -> 0;
            case 1 -> -1;
            default -> random.nextInt(1 << 20);
          };
          PageRef page = new PageRef(offset, 1 + random.nextInt(70_000), firstRow);
          data.add(page);
          cb.addDataPages(DataPage.newBuilder().setPage(firstPage + offsets.size()).setFirstRow(firstRow));
          indexes.add(firstPage + offsets.size());
          offsets.add(offset);
          lengths.add(page.length());
          offset += page.length();
        }
        columns.add(new ColumnPlan(leaf, codec, dictionary, data));
        rgb.addColumns(cb);
      }
      RowGroupPlan plan = new RowGroupPlan(rowGroup, rowCount, columns);
      rowGroups.add(plan);
      file.addRowGroups(rgb);
    }
    long schemaId = random.nextInt(4) == 0 ? 0 : random.nextLong();
    FileVersion version = new FileVersion("/t/" + path, 1 + random.nextInt(1 << 30), "mtime-" + random.nextInt(1000));
    file.setVersion(version.wireToken()).setSchemaId(schemaId);
    RowDeletes deletes = null;
    if (random.nextInt(3) == 0 && !rowGroups.isEmpty()) {
      long[] deleted = new long[1 + random.nextInt(20)];
      long[] rowGroupRows = new long[5000];
      java.util.Arrays.fill(rowGroupRows, 2_000_000);
      for (int i = 0; i < deleted.length; i++) {
        deleted[i] = random.nextInt(2_000_000) + 2_000_000L * rowGroups.get(random.nextInt(rowGroups.size())).rowGroup();
      }
      deletes = RowDeletes.of(deleted, rowGroupRows);
      for (int r = 0; r < rowGroups.size(); r++) {
        for (long row : deletes.shipped(rowGroups.get(r))) {
          file.getRowGroupsBuilder(r).addDeletedRows(row);
        }
      }
    }
    int[] pageIndexes = indexes.stream().mapToInt(Integer::intValue).toArray();
    if (!rowGroups.isEmpty()) {
      header.addFile(path, version.wireToken(), new FilePlan(version, new SchemaInfo(schemaId, new byte[0], "test"), rowGroups),
          pageIndexes, deletes);
      header.addPages(offsets.stream().mapToLong(Long::longValue).toArray(),
          lengths.stream().mapToInt(Integer::intValue).toArray());
      expected.addFiles(file);
      for (int i = 0; i < offsets.size(); i++) {
        expected.addPages(PageSegment.newBuilder().setLength(lengths.get(i)).setFileOffset(offsets.get(i)));
      }
    }
  }
}
