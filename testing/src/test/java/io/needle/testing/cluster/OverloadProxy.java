package io.needle.testing.cluster;

import io.needle.protocol.BlockingFrames;
import io.needle.protocol.Frame;
import io.needle.protocol.proto.Error;
import io.needle.protocol.proto.ErrorCode;
import io.needle.protocol.proto.Request;
import io.needle.protocol.proto.Response;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback proxy in front of one real worker that reads the protocol's frames both ways and
 * answers a chosen share of lookup requests itself, with the error reply an overloaded worker
 * sends ({@code UNAVAILABLE} or {@code RESOURCE_EXHAUSTED}, same frame layout); everything else
 * goes to the worker and back unchanged. Or, silenced, it drops lookup requests unanswered, as a
 * worker gone quiet would. It counts the lookup requests that reach it, which is
 * the load the clients put on the worker fleet, retries included. Test-only; one thread per
 * direction per connection.
 */
final class OverloadProxy implements AutoCloseable {
  private static final int MAX_FRAME_BYTES = 64 << 20;

  private final InetSocketAddress upstream;
  private final ServerSocket server;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final SplittableRandom random = new SplittableRandom(31);
  private final AtomicLong lookups = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private volatile double share;
  private volatile ErrorCode code = ErrorCode.UNAVAILABLE;
  private volatile int retryAfterMillis;
  private volatile boolean silent;

  OverloadProxy(InetSocketAddress upstream) throws IOException {
    this.upstream = upstream;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::accept, "overload-proxy-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  String address() {
    return "127.0.0.1:" + server.getLocalPort();
  }

  /** From now on, answer this share of lookups with {@code errorCode} (0: none), without pushback. */
  void refuse(double newShare, ErrorCode errorCode) {
    refuse(newShare, errorCode, 0);
  }

  /** As {@link #refuse(double, ErrorCode)}, the error carrying a retry-after hint as the worker's do. */
  void refuse(double newShare, ErrorCode errorCode, int newRetryAfterMillis) {
    this.code = errorCode;
    this.retryAfterMillis = newRetryAfterMillis;
    this.share = newShare;
  }

  /** From now on, drop every lookup request unanswered (true) or pass them on again (false). */
  void silence(boolean on) {
    this.silent = on;
  }

  /** Lookup requests that reached the proxy (answered by it or passed on). */
  long lookups() {
    return lookups.get();
  }

  long refused() {
    return refused.get();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket up = new Socket(upstream.getAddress(), upstream.getPort());
        open.add(client);
        open.add(up);
        OutputStream toClient = new BufferedOutputStream(client.getOutputStream());
        Thread requests = new Thread(() -> requests(client, up, toClient), "overload-proxy-requests");
        Thread replies = new Thread(() -> replies(up, client, toClient), "overload-proxy-replies");
        requests.setDaemon(true);
        replies.setDaemon(true);
        requests.start();
        replies.start();
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void requests(Socket client, Socket up, OutputStream toClient) {
    try {
      InputStream in = client.getInputStream();
      OutputStream toWorker = new BufferedOutputStream(up.getOutputStream());
      while (true) {
        Frame frame = BlockingFrames.read(in, MAX_FRAME_BYTES);
        try {
          Request request = Request.parseFrom(ByteBufUtil.getBytes(frame.header()));
          if (request.getBodyCase() == Request.BodyCase.LOOKUP) {
            lookups.incrementAndGet();
            if (silent) {
              continue;
            }
            boolean refuse;
            synchronized (random) {
              refuse = random.nextDouble() < share;
            }
            if (refuse) {
              refused.incrementAndGet();
              Response error = Response.newBuilder().setRequestId(request.getRequestId())
                  .setError(Error.newBuilder().setCode(code).setMessage("worker overloaded (injected)")
                      .setRetryAfterMs(retryAfterMillis)).build();
              synchronized (toClient) {
                BlockingFrames.write(toClient, error);
              }
              continue;
            }
          }
          write(toWorker, frame);
        } finally {
          frame.release();
        }
      }
    } catch (IOException e) {
      closeQuietly(client, up);
    }
  }

  private void replies(Socket up, Socket client, OutputStream toClient) {
    try {
      InputStream in = up.getInputStream();
      while (true) {
        Frame frame = BlockingFrames.read(in, MAX_FRAME_BYTES);
        try {
          synchronized (toClient) {
            write(toClient, frame);
          }
        } finally {
          frame.release();
        }
      }
    } catch (IOException e) {
      closeQuietly(client, up);
    }
  }

  private static void write(OutputStream out, Frame frame) throws IOException {
    ByteBuf header = frame.header();
    ByteBuf payload = frame.payload();
    DataOutputStream data = new DataOutputStream(out);
    data.writeInt(4 + header.readableBytes() + payload.readableBytes());
    data.writeInt(header.readableBytes());
    header.getBytes(header.readerIndex(), out, header.readableBytes());
    payload.getBytes(payload.readerIndex(), out, payload.readableBytes());
    out.flush();
  }

  private void closeQuietly(Socket... sockets) {
    for (Socket s : sockets) {
      open.remove(s);
      try {
        s.close();
      } catch (IOException ignored) {
        // closing
      }
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : open) {
      s.close();
    }
  }
}
