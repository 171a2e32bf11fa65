package io.needle.testing.e2e;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.SilentCloseable;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import io.needle.protocol.proto.Request;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Coverage-guided fuzz of the request validator (issue 13, T16) through the real worker of
 * {@link RequestFuzzTest}, with its checks: one answer per frame, never INTERNAL, the connection
 * in sync, correct rows still served. The input is the frame's header bytes. When they parse as a
 * {@link Request}, a table URI's {@code $DIR} becomes the test's table directory (so committed
 * seeds can name real tables) and the request is sent re-encoded; otherwise the raw bytes go out.
 * The default build replays the seeds under
 * {@code src/test/resources/io/needle/testing/e2e/RequestJazzerTestInputs/requests}; {@code -Dsoak} fuzzes.
 */
class RequestJazzerTest {
  @BeforeAll
  static void start() throws Exception {
    RequestFuzzTest.start();
  }

  @AfterAll
  static void stop() throws Exception {
    RequestFuzzTest.stop();
  }

  @FuzzTest(maxDuration = "5m")
  void requests(byte[] data) throws Exception {
    // The check's own client connects to the worker; any other connection stays a finding.
    int port = RequestFuzzTest.worker.address().getPort();
    try (SilentCloseable allowed = BugDetectors.allowNetworkConnections((host, p) -> p == port
        && (host.equals("127.0.0.1") || host.equals("localhost")))) {
      send(data);
    }
  }

  private static void send(byte[] data) throws Exception {
    byte[] header = data;
    try {
      header = inDir(Request.parseFrom(data)).toByteArray();
    } catch (InvalidProtocolBufferException e) {
      // not a Request: the raw bytes test the parser's refusal
    }
    RequestFuzzTest.checkFrame(header, -1, java.util.HexFormat.of().formatHex(data));
  }

  private static Request inDir(Request r) {
    String dir = RequestFuzzTest.dir.toString();
    Request.Builder b = r.toBuilder();
    if (r.hasLookup()) {
      b.getLookupBuilder().setTableUri(r.getLookup().getTableUri().replace("$DIR", dir));
    } else if (r.hasDescribe()) {
      b.getDescribeBuilder().setTableUri(r.getDescribe().getTableUri().replace("$DIR", dir));
    } else if (r.hasRefresh()) {
      b.getRefreshBuilder().setTableUri(r.getRefresh().getTableUri().replace("$DIR", dir));
    }
    return b.build();
  }
}
