package io.needle.client;

import com.google.protobuf.InvalidProtocolBufferException;
import io.needle.protocol.BlockingFrames;
import io.needle.protocol.Frame;
import io.needle.protocol.Messages;
import io.needle.protocol.proto.AuthenticateRequest;
import io.needle.protocol.proto.HealthRequest;
import io.needle.protocol.proto.Request;
import io.needle.protocol.proto.Response;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Synchronous calls made on the caller's own thread over a pooled blocking socket: write the
 * request, read the answer, as a blocking client such as Jedis does.
 *
 * <p>Why: a call through the Netty connection hands the request to the client's event loop and
 * the answer back to the caller, two thread wake-ups per call; on the two shared cores measured
 * they were most of a warm lookup ("transport" and "hand-off" in {@link LookupStages}). A
 * synchronous lookup answered by one worker, without hedging, goes this way; everything else
 * (async calls, fan-out to several workers, hedges, retries and failover) stays on Netty.
 *
 * <p>A socket serves one call at a time and returns to its worker's idle pool afterwards (at most
 * {@link #IDLE_PER_WORKER}); it learns its worker's name with a health call when it opens and is
 * only used for a member of that name. Any I/O failure closes the socket and is reported as
 * {@link Unusable}, so the caller can fall back to the Netty path with its retries and failover;
 * a deadline that passes while waiting closes the socket too (a late answer must not be read as
 * the next call's) and is a DEADLINE_EXCEEDED.
 */
final class BlockingCalls implements AutoCloseable {
  static final int IDLE_PER_WORKER = 16;

  private final int maxResponseFrameBytes;
  private final Duration connectTimeout;
  private final ClientTls tls;
  private final String token;
  private final Map<String, ConcurrentLinkedDeque<BlockingSocket>> idle = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> idleCounts = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private volatile boolean closed;

  /**
   * @param tls TLS to the workers (a JDK {@code SSLSocket}), or null for plaintext
   * @param token sent first on each socket when not null
   */
  BlockingCalls(int maxResponseFrameBytes, Duration connectTimeout, ClientTls tls, String token) {
    this.maxResponseFrameBytes = maxResponseFrameBytes;
    this.connectTimeout = connectTimeout;
    this.tls = tls;
    this.token = token;
  }

  /** The socket could not carry the call (connect, write or read failed): use the other path. */
  static final class Unusable extends Exception {
    private static final long serialVersionUID = 1L;

    /** The attempt's time ran out before the worker answered (the call's deadline has not). */
    final boolean timedOut;

    Unusable(String message, Throwable cause, boolean timedOut) {
      super(message, cause, false, false);
      this.timedOut = timedOut;
    }
  }

  /**
   * Sends {@code request} to {@code member} and waits for its answer until {@code
   * attemptDeadlineNanos} (at most the call's {@code deadlineNanos}). An error answer is thrown as
   * the {@link NeedleException} it carries. A pooled socket that fails before answering (its
   * worker restarted, say) is dropped with the rest of that worker's idle sockets and the call is
   * made once more on a fresh one.
   */
  Reply call(Member member, Request.Builder request, long deadlineNanos, long attemptDeadlineNanos) throws Unusable {
    BlockingSocket socket = borrow(member);
    try {
      return exchange(member, socket, request, deadlineNanos, attemptDeadlineNanos);
    } catch (Unusable e) {
      if (!socket.reused || e.timedOut) {
        throw e;
      }
      drain(member.address());
      return exchange(member, fresh(member), request, deadlineNanos, attemptDeadlineNanos);
    }
  }

  private Reply exchange(Member member, BlockingSocket socket, Request.Builder request, long deadlineNanos,
      long attemptDeadlineNanos) throws Unusable {
    long id = ids.incrementAndGet();
    long now = System.nanoTime();
    long remaining = deadlineNanos - now;
    if (remaining <= 0) {
      giveBack(member, socket);
      throw new NeedleException(NeedleException.Code.DEADLINE_EXCEEDED, "deadline passed before the call");
    }
    Request built = request.setRequestId(id).setTimeoutMicros(Math.max(1, remaining / 1000)).build();
    long waitMillis = TimeUnit.NANOSECONDS.toMillis(Math.min(remaining, attemptDeadlineNanos - now));
    long sent = System.nanoTime();
    Frame frame;
    try {
      BlockingFrames.write(socket.out, built);
      // The worker answers DEADLINE_EXCEEDED itself at the call's deadline; the local timeout,
      // with a little slack, covers a worker gone silent, and ends the attempt at its own limit.
      socket.socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, waitMillis + Math.max(1, waitMillis / 10))));
      // Pooled: a warm lookup's ~12 KB frame reuses released memory instead of a new array per call.
      frame = BlockingFrames.read(socket.in, maxResponseFrameBytes, PooledByteBufAllocator.DEFAULT);
    } catch (SocketTimeoutException e) {
      socket.close(); // a late answer must not be read as the next call's
      if (System.nanoTime() - deadlineNanos >= 0) {
        throw new NeedleException(NeedleException.Code.DEADLINE_EXCEEDED,
            "no answer from " + member.address() + " before the deadline", e);
      }
      throw new Unusable("no answer from " + member.address() + " within the attempt's time", e, true);
    } catch (IOException | RuntimeException e) {
      socket.close();
      throw new Unusable("call to " + member.address() + " failed: " + e, e, false);
    }
    long received = System.nanoTime();
    ReplyHeader response;
    try {
      response = ReplyHeader.parse(frame.header());
    } catch (InvalidProtocolBufferException e) {
      frame.release();
      socket.close();
      throw new Unusable("unreadable answer from " + member.address(), e, false);
    }
    if (response.requestId() != id) {
      frame.release();
      socket.close();
      throw new Unusable("answer to request " + response.requestId() + " on the call of " + id, null, false);
    }
    giveBack(member, socket);
    if (response.hasError()) {
      frame.release();
      throw Errors.fromWire(response.error(), member.address());
    }
    return new Reply(response, frame, sent, received);
  }

  /** Closes the idle sockets of an address (after one of them turned out stale). */
  private void drain(String address) {
    ConcurrentLinkedDeque<BlockingSocket> pool = idle.get(address);
    BlockingSocket s;
    while (pool != null && (s = pool.pollFirst()) != null) {
      idleCounts.get(address).decrementAndGet();
      s.close();
    }
  }

  private BlockingSocket borrow(Member member) throws Unusable {
    ConcurrentLinkedDeque<BlockingSocket> pool = idle.get(member.address());
    BlockingSocket socket = pool == null ? null : pool.pollFirst();
    if (socket != null) {
      idleCounts.get(member.address()).decrementAndGet();
      if (socket.workerName.equals(member.name())) {
        socket.reused = true;
        return socket;
      }
      socket.close(); // the address serves another worker now
    }
    return fresh(member);
  }

  private BlockingSocket fresh(Member member) throws Unusable {
    BlockingSocket socket = open(member.address());
    if (!socket.workerName.equals(member.name())) {
      socket.close();
      throw new Unusable("address " + member.address() + " now serves worker " + socket.workerName + ", not "
          + member.name(), null, false);
    }
    return socket;
  }

  private void giveBack(Member member, BlockingSocket socket) {
    AtomicInteger count = idleCounts.computeIfAbsent(member.address(), a -> new AtomicInteger());
    if (closed || count.incrementAndGet() > IDLE_PER_WORKER) {
      count.decrementAndGet();
      socket.close();
      return;
    }
    idle.computeIfAbsent(member.address(), a -> new ConcurrentLinkedDeque<>()).addFirst(socket);
    if (closed) { // raced with close(): make sure nothing stays open
      close();
    }
  }

  /** Connects (TLS handshake and token first when configured) and asks the worker's name, as the Netty connections do. */
  private BlockingSocket open(String address) throws Unusable {
    int colon = address.lastIndexOf(':');
    InetSocketAddress target = new InetSocketAddress(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)));
    int timeoutMillis = (int) Math.max(1, connectTimeout.toMillis());
    Socket s = null;
    try {
      if (tls != null) {
        s = tls.connect(target, timeoutMillis);
      } else {
        s = new Socket();
        s.setTcpNoDelay(true);
        s.connect(target, timeoutMillis);
        s.setSoTimeout(timeoutMillis);
      }
      BlockingSocket socket = new BlockingSocket(s, new BufferedInputStream(s.getInputStream(), 64 * 1024),
          new BufferedOutputStream(s.getOutputStream(), 8 * 1024));
      if (token != null) {
        exchangeOnOpen(socket, Request.newBuilder().setAuthenticate(AuthenticateRequest.newBuilder().setToken(token)));
      }
      socket.workerName = exchangeOnOpen(socket, Request.newBuilder().setHealth(HealthRequest.getDefaultInstance()))
          .getHealth().getWorkerName();
      return socket;
    } catch (IOException | RuntimeException e) {
      try {
        if (s != null) {
          s.close();
        }
      } catch (IOException ignored) {
        // closing a socket that failed to open
      }
      throw new Unusable("cannot open a blocking connection to " + address + ": " + e, e, false);
    }
  }

  /** One request and its answer while a socket opens; an error answer ends the opening. */
  private Response exchangeOnOpen(BlockingSocket socket, Request.Builder request) throws IOException {
    long id = ids.incrementAndGet();
    BlockingFrames.write(socket.out, request.setRequestId(id).build());
    Frame frame = BlockingFrames.read(socket.in, maxResponseFrameBytes);
    try {
      Response response = Messages.parseResponse(frame.header());
      if (response.getRequestId() != id || response.hasError()) {
        throw new IOException("unexpected answer while opening: " + (response.hasError()
            ? response.getError().getCode() + " " + response.getError().getMessage() : "request " + response.getRequestId()));
      }
      return response;
    } finally {
      frame.release();
    }
  }

  @Override
  public void close() {
    closed = true;
    for (ConcurrentLinkedDeque<BlockingSocket> pool : idle.values()) {
      BlockingSocket s;
      while ((s = pool.pollFirst()) != null) {
        s.close();
      }
    }
  }

  private static final class BlockingSocket {
    final Socket socket;
    final InputStream in;
    final OutputStream out;
    String workerName = "";
    boolean reused;

    BlockingSocket(Socket socket, InputStream in, OutputStream out) {
      this.socket = socket;
      this.in = in;
      this.out = out;
    }

    void close() {
      try {
        socket.close();
      } catch (IOException ignored) {
        // nothing more to do with a socket that fails to close
      }
    }
  }
}
