package io.needle.bench.harness;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback TCP relay that counts the bytes each way, to measure bytes on the wire per lookup
 * from outside the client (the client API has no byte counter).
 *
 * <p>The relay adds latency, so it is used only for a separate, unmeasured pass of the same calls
 * after the timed run. Threading: one accept thread, two copy threads per connection, all
 * daemons; {@link #close} closes every socket it opened.
 */
public final class ByteCountingProxy implements AutoCloseable {
  private final ServerSocket server;
  private final InetSocketAddress target;
  private final AtomicLong toServerBytes = new AtomicLong();
  private final AtomicLong toClientBytes = new AtomicLong();
  private final CopyOnWriteArrayList<Socket> sockets = new CopyOnWriteArrayList<>();

  public ByteCountingProxy(InetSocketAddress target) throws IOException {
    this.target = target;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread accept = new Thread(this::acceptLoop, "needle-bench-proxy-accept");
    accept.setDaemon(true);
    accept.start();
  }

  /** {@code 127.0.0.1:port} to give the client instead of the worker's address. */
  public String hostPort() {
    return "127.0.0.1:" + server.getLocalPort();
  }

  /** Bytes sent by clients towards the worker so far. */
  public long toServerBytes() {
    return toServerBytes.get();
  }

  /** Bytes sent by the worker towards clients so far. */
  public long toClientBytes() {
    return toClientBytes.get();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket upstream = new Socket(target.getAddress(), target.getPort());
        client.setTcpNoDelay(true);
        upstream.setTcpNoDelay(true);
        sockets.add(client);
        sockets.add(upstream);
        pump(client, upstream, toServerBytes);
        pump(upstream, client, toClientBytes);
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private static void pump(Socket from, Socket to, AtomicLong counter) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[64 * 1024];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        int n;
        while ((n = in.read(buf)) >= 0) {
          out.write(buf, 0, n);
          out.flush();
          counter.addAndGet(n);
        }
      } catch (IOException e) {
        // the other side closed
      } finally {
        closeQuietly(from);
        closeQuietly(to);
      }
    }, "needle-bench-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : sockets) {
      closeQuietly(s);
    }
  }
}
