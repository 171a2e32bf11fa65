package io.needle.worker;

import io.needle.protocol.proto.DescribeRequest;
import io.needle.protocol.proto.ErrorCode;
import io.needle.protocol.proto.Key;
import io.needle.protocol.proto.LookupRequest;
import io.needle.protocol.proto.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Broken, hostile and wrong requests against a real worker on a real socket. */
class WorkerBadInputTest {
  @TempDir
  Path root;

  Worker worker;

  @BeforeEach
  void start() throws Exception {
    Files.createDirectories(root.resolve("empty"));
    Files.writeString(root.resolve("notparquet.parquet"), "this is not parquet at all, just text");
    worker = Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(root)).withLimits(64 << 10, 1 << 20, 100));
  }

  @AfterEach
  void stop() {
    worker.close();
  }

  private static Request describe(long id, String table) {
    return Request.newBuilder().setRequestId(id).setDescribe(DescribeRequest.newBuilder().setTableUri(table)).build();
  }

  private static Request lookup(long id, String table, int keys) {
    LookupRequest.Builder b = LookupRequest.newBuilder().setTableUri(table).setKeyColumn("id");
    for (int i = 0; i < keys; i++) {
      b.addKeys(Key.newBuilder().setIntValue(i));
    }
    return Request.newBuilder().setRequestId(id).setLookup(b).build();
  }

  private ErrorCode errorOf(RawConnection c, Request request) throws Exception {
    c.send(request);
    RawConnection.Received r = c.receive();
    assertThat(r.response().getRequestId()).isEqualTo(request.getRequestId());
    return r.response().getError().getCode();
  }

  @Test
  void answersTypedErrorsAndKeepsTheConnection() throws Exception {
    try (RawConnection c = new RawConnection(worker.address())) {
      assertThat(errorOf(c, describe(1, root.resolve("nope").toString()))).isEqualTo(ErrorCode.NOT_FOUND);
      assertThat(errorOf(c, describe(2, "/etc"))).isEqualTo(ErrorCode.PERMISSION_DENIED);
      assertThat(errorOf(c, describe(3, "s3://bucket/t"))).isEqualTo(ErrorCode.INVALID_ARGUMENT);
      assertThat(errorOf(c, lookup(4, root.toString(), 0))).isEqualTo(ErrorCode.INVALID_ARGUMENT);
      assertThat(errorOf(c, lookup(5, root.toString(), 101))).isEqualTo(ErrorCode.RESOURCE_EXHAUSTED);
      assertThat(errorOf(c, lookup(6, root.resolve("notparquet.parquet").toString(), 1))).isEqualTo(ErrorCode.DATA_LOSS);
      assertThat(errorOf(c, Request.newBuilder().setRequestId(7).build())).isEqualTo(ErrorCode.INVALID_ARGUMENT);
      // An empty table has nothing to match: an empty answer, not an error.
      c.send(lookup(8, root.resolve("empty").toString(), 1));
      RawConnection.Received empty = c.receive();
      assertThat(empty.response().hasError()).isFalse();
      assertThat(empty.response().getLookup().getFilesCount()).isZero();
    }
  }

  @Test
  void answersGarbageHeaderWithInvalidArgumentAndStaysInSync() throws Exception {
    try (RawConnection c = new RawConnection(worker.address())) {
      byte[] garbage = {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01, 0x02};
      c.send(ByteBuffer.allocate(8 + garbage.length).putInt(4 + garbage.length).putInt(garbage.length).put(garbage).array());
      assertThat(c.receive().response().getError().getCode()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
      assertThat(errorOf(c, describe(9, root.resolve("nope").toString()))).isEqualTo(ErrorCode.NOT_FOUND);
    }
  }

  @Test
  void closesConnectionOnFrameOverLimitAndServesOthers() throws Exception {
    try (RawConnection bad = new RawConnection(worker.address());
         RawConnection good = new RawConnection(worker.address())) {
      bad.send(ByteBuffer.allocate(4).putInt(Integer.MAX_VALUE).array());
      assertThat(bad.closedByPeer()).isTrue();
      assertThat(errorOf(good, describe(1, root.resolve("nope").toString()))).isEqualTo(ErrorCode.NOT_FOUND);
    }
  }

  @Test
  void survivesTruncatedFramesAndHalfClosedPeers() throws Exception {
    byte[] whole = describe(1, root.resolve("nope").toString()).toByteArray();
    try (RawConnection c = new RawConnection(worker.address())) {
      c.send(ByteBuffer.allocate(8 + 3).putInt(4 + whole.length).putInt(whole.length).put(whole, 0, 3).array());
      c.shutdownOutput();
    }
    try (RawConnection good = new RawConnection(worker.address())) {
      assertThat(errorOf(good, describe(2, root.resolve("nope").toString()))).isEqualTo(ErrorCode.NOT_FOUND);
    }
  }

  @Test
  void answersRequestsThatCarryAPayloadWithInvalidArgument() throws Exception {
    byte[] header = describe(1, root.toString()).toByteArray();
    try (RawConnection c = new RawConnection(worker.address())) {
      c.send(ByteBuffer.allocate(8 + header.length + 2).putInt(4 + header.length + 2).putInt(header.length)
          .put(header).put(new byte[] {1, 2}).array());
      assertThat(c.receive().response().getError().getCode()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
    }
  }
}
