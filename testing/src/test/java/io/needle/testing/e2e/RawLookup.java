package io.needle.testing.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.needle.protocol.proto.ColumnPages;
import io.needle.protocol.proto.DataPage;
import io.needle.protocol.proto.FileResult;
import io.needle.protocol.proto.Key;
import io.needle.protocol.proto.LookupRequest;
import io.needle.protocol.proto.LookupResponse;
import io.needle.protocol.proto.PageSegment;
import io.needle.protocol.proto.Request;
import io.needle.protocol.proto.Response;
import io.needle.protocol.proto.RowGroupPages;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * A client of the wire format alone, for tests that count what a worker sends: one lookup frame
 * out (u32 frame length, u32 header length, protobuf header), one response frame in, every byte
 * read. The payload is every byte after the header; each segment is named (file, offset, length)
 * and placed (row group, leaf column, dictionary or data page) by the header.
 */
final class RawLookup implements AutoCloseable {
  /** Where a sent page belongs: its file, row group and leaf column, and whether it is the chunk's dictionary. */
  record Placement(String path, int rowGroup, int leaf, boolean dictionary) {}

  /** One answer: header and payload sizes, and each segment with its placement, in frame order. */
  record Reply(int headerBytes, long payloadBytes, List<PageAt> pages, List<Placement> placements) {}

  private final Socket socket;
  private final DataInputStream in;
  private final DataOutputStream out;
  private long nextId = 1;

  RawLookup(InetSocketAddress worker) throws IOException {
    socket = new Socket(worker.getAddress(), worker.getPort());
    socket.setSoTimeout(30_000);
    in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
    out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
  }

  /** Looks up {@code keys} (Integer, Long or String) in {@code columns} (empty: every field). */
  Reply lookup(String tableUri, String keyColumn, List<String> columns, List<?> keys) throws IOException {
    LookupRequest.Builder lookup = LookupRequest.newBuilder().setTableUri(tableUri)
        .setKeyColumn(keyColumn).addAllColumns(columns);
    for (Object k : keys) {
      lookup.addKeys(switch (k) {
        case Integer i -> Key.newBuilder().setIntValue(i);
        case Long l -> Key.newBuilder().setIntValue(l);
        case String s -> Key.newBuilder().setBytesValue(ByteString.copyFromUtf8(s));
        default -> throw new IllegalArgumentException("no raw key for " + k.getClass().getSimpleName());
      });
    }
    byte[] header = Request.newBuilder().setRequestId(nextId++).setLookup(lookup).build().toByteArray();
    out.writeInt(4 + header.length); // frame length: everything after itself; a request has no payload
    out.writeInt(header.length);
    out.write(header);
    out.flush();
    long frameLength = Integer.toUnsignedLong(in.readInt());
    int headerLength = in.readInt();
    Response response = Response.parseFrom(in.readNBytes(headerLength));
    long payloadBytes = frameLength - 4 - headerLength;
    in.skipNBytes(payloadBytes); // every byte of the frame read; EOFException when it is short
    assertThat(response.hasError()).as("%s", response.getError()).isFalse();
    LookupResponse answer = response.getLookup();
    Placement[] placements = placements(answer);
    List<PageAt> pages = new ArrayList<>();
    for (int i = 0; i < answer.getPagesCount(); i++) {
      PageSegment s = answer.getPages(i);
      assertThat(placements[i]).as("segment %d is referred to by no column", i).isNotNull();
      pages.add(new PageAt(placements[i].path(), s.getFileOffset(), s.getLength()));
    }
    return new Reply(headerLength, payloadBytes, pages, List.of(placements));
  }

  /** Each segment's placement, from the file, row group and column that refer to it. */
  private static Placement[] placements(LookupResponse answer) {
    Placement[] out = new Placement[answer.getPagesCount()];
    for (FileResult file : answer.getFilesList()) {
      for (RowGroupPages rg : file.getRowGroupsList()) {
        for (ColumnPages column : rg.getColumnsList()) {
          if (column.getDictionaryPage() >= 0) {
            out[column.getDictionaryPage()] = new Placement(file.getPath(), rg.getRowGroup(), column.getLeaf(), true);
          }
          for (DataPage page : column.getDataPagesList()) {
            out[page.getPage()] = new Placement(file.getPath(), rg.getRowGroup(), column.getLeaf(), false);
          }
        }
      }
    }
    return out;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
