package io.needle.testing.s3;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback TCP proxy in front of the S3 server that sees every HTTP request the worker sends:
 * it counts them (by request line), and can stop listening (and drop open connections), answer
 * the next requests itself with an injected status, or delay them; and, per request by chance
 * ({@link Chances}, from a seeded random), answer 503 SlowDown or 500, reset the connection, or
 * stall it before passing the request on.
 *
 * <p>Why a proxy rather than counting in the SDK: the count is what reaches the server, with no
 * help from the code under test. Requests are parsed only up to the end of their headers; the
 * worker only sends GET and LIST requests, which carry no body.
 */
final class FaultyProxy implements AutoCloseable {
  private final InetSocketAddress upstream;
  private final int port;
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final AtomicInteger injectRemaining = new AtomicInteger();
  private volatile int injectStatus;
  private final AtomicLong delayMillis = new AtomicLong();
  private volatile ServerSocket server;
  private volatile Chances chances = Chances.NONE;
  private final java.util.SplittableRandom random = new java.util.SplittableRandom(13);
  private final AtomicLong slowDowns = new AtomicLong();
  private final AtomicLong serverErrors = new AtomicLong();
  private final AtomicLong resets = new AtomicLong();
  private final AtomicLong stalls = new AtomicLong();
  private final AtomicLong stallsAbandoned = new AtomicLong();

  /**
   * Chances per request (each in [0, 1], summing to at most 1) of: 503 SlowDown, 500, a reset
   * connection (RST before any answer), a stall of {@code stallMillis} before the request goes on.
   */
  record Chances(double slowDown, double serverError, double reset, double stall, long stallMillis) {
    static final Chances NONE = new Chances(0, 0, 0, 0, 0);
  }

  /** Faults by chance from now on; {@link Chances#NONE} to stop. */
  void chances(Chances c) {
    chances = c;
  }

  /** Faults injected by chance so far: 503s, 500s, resets, stalls. */
  long[] injectedByChance() {
    return new long[] {slowDowns.get(), serverErrors.get(), resets.get(), stalls.get()};
  }

  /** Stalled requests whose connection the client closed before the stall ended (it gave up). */
  long stallsAbandoned() {
    return stallsAbandoned.get();
  }

  FaultyProxy(InetSocketAddress upstream) throws IOException {
    this.upstream = upstream;
    ServerSocket first = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.port = first.getLocalPort();
    listen(first);
  }

  int port() {
    return port;
  }

  /** Request lines seen so far ("GET /bucket/key HTTP/1.1 Range:bytes=0-3"), in arrival order. */
  List<String> requests() {
    return new ArrayList<>(requests);
  }

  int requestCount() {
    return requests.size();
  }

  /** Closes the listening socket and every open connection: the server is gone. */
  synchronized void stop() throws IOException {
    ServerSocket s = server;
    server = null;
    if (s != null) {
      s.close();
    }
    for (Socket socket : open) {
      socket.close();
    }
  }

  /** Listens again on the same port. */
  synchronized void start() throws IOException {
    if (server != null) {
      return;
    }
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    listen(s);
  }

  /** The next {@code times} requests are answered with {@code status} (and the connection closed). */
  void inject(int status, int times) {
    injectStatus = status;
    injectRemaining.set(times);
  }

  void delay(long millis) {
    delayMillis.set(millis);
  }

  private void listen(ServerSocket s) {
    server = s;
    Thread acceptor = new Thread(() -> {
      while (!s.isClosed()) {
        try {
          Socket client = s.accept();
          open.add(client);
          Thread t = new Thread(() -> serve(client), "s3-proxy-conn");
          t.setDaemon(true);
          t.start();
        } catch (IOException e) {
          return; // closed
        }
      }
    }, "s3-proxy-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  private void serve(Socket client) {
    try (client; Socket up = new Socket(upstream.getAddress(), upstream.getPort())) {
      open.add(up);
      Thread back = new Thread(() -> pump(up, client), "s3-proxy-back");
      back.setDaemon(true);
      back.start();
      InputStream in = client.getInputStream();
      OutputStream toServer = up.getOutputStream();
      ByteArrayOutputStream header = new ByteArrayOutputStream();
      int matched = 0;
      int b;
      while ((b = in.read()) >= 0) {
        header.write(b);
        matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
        if (matched < 4) {
          continue;
        }
        matched = 0;
        byte[] request = header.toByteArray();
        header.reset();
        String text = new String(request, StandardCharsets.ISO_8859_1);
        requests.add(text.substring(0, text.indexOf("\r\n")) + rangeOf(text));
        long delay = delayMillis.get();
        if (delay > 0) {
          Thread.sleep(delay);
        }
        if (injectRemaining.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
          answer(client, injectStatus);
          return;
        }
        Chances c = chances;
        double roll;
        synchronized (random) {
          roll = random.nextDouble();
        }
        if (roll < c.slowDown()) {
          slowDowns.incrementAndGet();
          answer(client, 503);
          return;
        }
        roll -= c.slowDown();
        if (roll < c.serverError()) {
          serverErrors.incrementAndGet();
          answer(client, 500);
          return;
        }
        roll -= c.serverError();
        if (roll < c.reset()) {
          resets.incrementAndGet();
          client.setSoLinger(true, 0); // close sends RST
          return;
        }
        roll -= c.reset();
        if (roll < c.stall()) {
          stalls.incrementAndGet();
          if (!stall(client, in, c.stallMillis())) {
            stallsAbandoned.incrementAndGet();
            return;
          }
        }
        toServer.write(request);
        toServer.flush();
      }
    } catch (IOException | InterruptedException e) {
      // connection gone
    } finally {
      open.remove(client);
    }
  }

  /** Writes an S3 error answer with {@code status} and closes the connection (the caller returns). */
  private static void answer(Socket client, int status) throws IOException {
    String body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + (status == 503 ? "SlowDown"
        : status == 403 ? "AccessDenied" : "InternalError") + "</Code><Message>injected</Message></Error>";
    String response = "HTTP/1.1 " + status + " Injected\r\nContent-Type: application/xml\r\nContent-Length: "
        + body.length() + "\r\nConnection: close\r\n\r\n" + body;
    client.getOutputStream().write(response.getBytes(StandardCharsets.ISO_8859_1));
    client.getOutputStream().flush();
  }

  /**
   * Holds the request for {@code millis} while watching the connection: false when the client
   * closed it meanwhile (gave up on the request), true when the stall ran its course.
   */
  private static boolean stall(Socket client, InputStream in, long millis) throws IOException {
    long end = System.nanoTime() + millis * 1_000_000;
    client.setSoTimeout(20);
    try {
      while (System.nanoTime() - end < 0) {
        try {
          if (in.read() < 0) {
            return false;
          }
          // a client sends nothing more before its answer; a byte here would be lost, so the test would see it
          throw new IOException("unexpected bytes during a stall");
        } catch (java.net.SocketTimeoutException stillWaiting) {
          // the client still holds the connection
        }
      }
      return true;
    } catch (java.net.SocketException closed) {
      return false; // reset by the client
    } finally {
      if (!client.isClosed()) {
        client.setSoTimeout(0);
      }
    }
  }

  /** " Range: bytes=a-b" when the request has a Range header, else "". */
  private static String rangeOf(String header) {
    for (String line : header.split("\r\n")) {
      if (line.regionMatches(true, 0, "range:", 0, 6)) {
        return " Range:" + line.substring(6).trim();
      }
    }
    return "";
  }

  private void pump(Socket from, Socket to) {
    byte[] buffer = new byte[64 << 10];
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      int n;
      while ((n = in.read(buffer)) >= 0) {
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // either side closed
    } finally {
      try {
        to.close();
        from.close();
      } catch (IOException ignored) {
        // closing
      }
      open.remove(from);
    }
  }

  @Override
  public void close() throws IOException {
    stop();
  }
}
