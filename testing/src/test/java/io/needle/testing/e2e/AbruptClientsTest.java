package io.needle.testing.e2e;

import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.client.NeedleException;
import io.needle.client.Table;
import io.needle.protocol.proto.Key;
import io.needle.protocol.proto.LookupRequest;
import io.needle.protocol.proto.Request;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Clients that vanish mid-response and files that end early: the worker must keep serving others,
 * release every buffer and file region, and answer a truncated file with a typed error.
 */
class AbruptClientsTest {
  @TempDir
  static Path dir;

  static FeatureTable generator;
  static Loopback loopback;

  @BeforeAll
  static void setUp() throws Exception {
    generator = new FeatureTable(GenOptions.defaults(20_000, 1));
    generator.write(dir.resolve("users"));
    Path whole = dir.resolve("users").resolve(FeatureTable.fileName(0));
    byte[] bytes = Files.readAllBytes(whole);
    Files.createDirectories(dir.resolve("truncated"));
    Files.write(dir.resolve("truncated").resolve("part-00000.parquet"), java.util.Arrays.copyOf(bytes, bytes.length / 2));
    loopback = Loopback.serve(dir);
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (loopback != null) {
      loopback.close();
    }
    LeakRecorder.assertNoLeaks();
  }

  /** A lookup of many keys, all columns: a response of many pages, sent as file regions. */
  private static byte[] bigLookupFrame(long id) {
    LookupRequest.Builder lookup = LookupRequest.newBuilder()
        .setTableUri(dir.resolve("users").toUri().toString()).setKeyColumn(FeatureTable.KEY_COLUMN);
    for (int i = 0; i < 2000; i++) {
      lookup.addKeys(Key.newBuilder().setIntValue(generator.keyAt(i * 10L)));
    }
    byte[] header = Request.newBuilder().setRequestId(id).setLookup(lookup).build().toByteArray();
    return ByteBuffer.allocate(8 + header.length).putInt(4 + header.length).putInt(header.length).put(header).array();
  }

  @Test
  void clientsThatDisconnectMidResponseLeaveTheWorkerServing() throws Exception {
    Table table = loopback.table(dir.resolve("users"), FeatureTable.KEY_COLUMN);
    long key = generator.keyAt(123);
    assertThat(table.lookup(key, List.of())).hasSize(1);
    for (int round = 0; round < 20; round++) {
      try (Socket socket = new Socket("127.0.0.1", loopback.worker.address().getPort())) {
        socket.setReceiveBufferSize(4096);
        OutputStream out = socket.getOutputStream();
        out.write(bigLookupFrame(round));
        out.write(bigLookupFrame(round + 1000)); // a second request still in flight when we leave
        out.flush();
        DataInputStream in = new DataInputStream(socket.getInputStream());
        int frameLength = in.readInt();
        assertThat(frameLength).isGreaterThan(100_000); // the answer is large: we leave in its middle
        in.readFully(new byte[round * 100]);
      } // closed with unread bytes: the kernel resets the connection mid-send
      assertThat(table.lookup(key, List.of())).hasSize(1);
    }
    List<Object> keys = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      keys.add(generator.keyAt(i * 7L));
    }
    assertThat(table.lookupAll(keys, List.of("user_id")).values()).allMatch(rows -> rows.size() == 1);
  }

  @Test
  void truncatedFileIsDataLossAndOtherTablesKeepAnswering() {
    Table truncated = loopback.table(dir.resolve("truncated"), FeatureTable.KEY_COLUMN);
    NeedleException e = catchThrowableOfType(NeedleException.class, () -> truncated.lookup(generator.keyAt(1), List.of()));
    assertThat(e.code()).isEqualTo(NeedleException.Code.DATA_LOSS);
    assertThat(e.getMessage()).contains("part-00000.parquet");
    assertThat(loopback.table(dir.resolve("users"), FeatureTable.KEY_COLUMN).lookup(generator.keyAt(1), List.of())).hasSize(1);
  }
}
