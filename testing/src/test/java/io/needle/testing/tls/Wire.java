package io.needle.testing.tls;

import io.needle.client.ClientTls;
import io.needle.protocol.BlockingFrames;
import io.needle.protocol.Frame;
import io.needle.protocol.Messages;
import io.needle.protocol.proto.AuthenticateRequest;
import io.needle.protocol.proto.DescribeRequest;
import io.needle.protocol.proto.HealthRequest;
import io.needle.protocol.proto.Key;
import io.needle.protocol.proto.LookupRequest;
import io.needle.protocol.proto.RefreshRequest;
import io.needle.protocol.proto.Request;
import io.needle.protocol.proto.Response;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;

/** One raw connection speaking Needle frames, over TLS or not: requests exactly as a hostile client would send them. */
final class Wire implements AutoCloseable {
  final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private long ids;

  private Wire(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new BufferedInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  static Wire tls(ClientTls tls, InetSocketAddress address) throws IOException {
    return new Wire(tls.connect(address, 5_000));
  }

  static Wire plain(InetSocketAddress address) throws IOException {
    Socket s = new Socket();
    s.connect(address, 5_000);
    s.setSoTimeout(10_000);
    return new Wire(s);
  }

  Response call(Request.Builder request) throws IOException {
    BlockingFrames.write(out, request.setRequestId(++ids).build());
    Frame frame = BlockingFrames.read(in, 64 << 20);
    try {
      return Messages.parseResponse(frame.header());
    } finally {
      frame.release();
    }
  }

  Response authenticate(String token) throws IOException {
    return call(Request.newBuilder().setAuthenticate(AuthenticateRequest.newBuilder().setToken(token)));
  }

  Response health() throws IOException {
    return call(Request.newBuilder().setHealth(HealthRequest.getDefaultInstance()));
  }

  Response lookup(String tableUri, String keyColumn, long key) throws IOException {
    return call(Request.newBuilder().setLookup(LookupRequest.newBuilder().setTableUri(tableUri).setKeyColumn(keyColumn)
        .addKeys(Key.newBuilder().setIntValue(key))));
  }

  Response describe(String tableUri) throws IOException {
    return call(Request.newBuilder().setDescribe(DescribeRequest.newBuilder().setTableUri(tableUri)));
  }

  Response refresh(String tableUri) throws IOException {
    return call(Request.newBuilder().setRefresh(RefreshRequest.newBuilder().setTableUri(tableUri)));
  }

  /** True when the worker closed the connection (the next read ends the stream or fails). */
  boolean closedByPeer() {
    try {
      return in.read() < 0;
    } catch (IOException e) {
      return true;
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
