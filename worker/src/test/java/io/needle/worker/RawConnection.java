package io.needle.worker;

import io.needle.protocol.proto.Request;
import io.needle.protocol.proto.Response;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;

/**
 * A deliberately dumb blocking client for tests: writes whatever bytes it is told to and reads
 * frames, so tests can send what a real client never would.
 */
final class RawConnection implements AutoCloseable {
  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;

  RawConnection(InetSocketAddress address) throws IOException {
    socket = new Socket();
    socket.connect(address, 3000);
    socket.setSoTimeout(10_000);
    in = new DataInputStream(socket.getInputStream());
    out = socket.getOutputStream();
  }

  void send(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  void send(Request request) throws IOException {
    byte[] header = request.toByteArray();
    ByteBuffer frame = ByteBuffer.allocate(8 + header.length).putInt(4 + header.length).putInt(header.length).put(header);
    send(frame.array());
  }

  /** Reads one response frame: its header and payload bytes. */
  Received receive() throws IOException {
    int frameLength = in.readInt();
    int headerLength = in.readInt();
    byte[] header = new byte[headerLength];
    in.readFully(header);
    byte[] payload = new byte[frameLength - 4 - headerLength];
    in.readFully(payload);
    return new Received(Response.parseFrom(header), payload);
  }

  /** True when the server closed the connection (EOF or reset) within the socket timeout. */
  boolean closedByPeer() throws IOException {
    try {
      return in.read() < 0;
    } catch (EOFException | java.net.SocketException e) {
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    }
  }

  void shutdownOutput() throws IOException {
    socket.shutdownOutput();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  record Received(Response response, byte[] payload) {}
}
