package io.needle.client;

import com.google.protobuf.InvalidProtocolBufferException;
import io.needle.protocol.Frame;
import io.needle.protocol.FrameDecoder;
import io.needle.protocol.FrameWriter;
import io.needle.protocol.proto.Request;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One TCP connection to one worker, multiplexing requests by id.
 *
 * <p>Replies complete on the connection's event loop and carry their frame; whoever takes a
 * {@link Reply} releases it. A reply that arrives after its caller gave up (deadline) is
 * released here. When the connection drops, every pending call fails with UNAVAILABLE.
 */
final class Connection {
  private final String address;
  private final Channel channel;
  private final Map<Long, Call> pending = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private volatile String workerName = "";
  private volatile Throwable failure; // why the channel failed (a TLS handshake, say), for the message

  private Connection(String address, Channel channel) {
    this.address = address;
    this.channel = channel;
  }

  /** @param tls TLS to the worker, or null for plaintext */
  static CompletableFuture<Connection> open(Bootstrap bootstrap, String host, int port, int maxResponseFrameBytes,
      Duration connectTimeout, ClientTls tls) {
    String address = host + ":" + port;
    CompletableFuture<Connection> result = new CompletableFuture<>();
    Connection[] holder = new Connection[1];
    ChannelFuture connect = bootstrap.clone()
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
        .option(ChannelOption.TCP_NODELAY, true)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            if (tls != null) {
              ch.pipeline().addLast("tls", tls.newHandler(ch.alloc(), host, port));
            }
            ch.pipeline()
                .addLast("frames", new FrameDecoder(maxResponseFrameBytes))
                .addLast("replies", new ReplyHandler(() -> holder[0]));
          }
        })
        .connect(host, port);
    connect.addListener(f -> {
      if (f.isSuccess()) {
        holder[0] = new Connection(address, connect.channel());
        result.complete(holder[0]);
      } else {
        result.completeExceptionally(new NeedleException(NeedleException.Code.UNAVAILABLE,
            "cannot connect to worker " + address + ": " + f.cause().getMessage(), f.cause()));
      }
    });
    return result;
  }

  boolean isActive() {
    return channel.isActive();
  }

  String address() {
    return address;
  }

  /** The name the worker gave in the health call that opened this connection. */
  String workerName() {
    return workerName;
  }

  void workerName(String name) {
    this.workerName = name;
  }

  /** Sends {@code request}; the reply future fails with a {@link NeedleException} on any error. */
  CompletableFuture<Reply> call(Request.Builder request, Duration timeout) {
    long id = ids.incrementAndGet();
    Call call = new Call(System.nanoTime());
    pending.put(id, call);
    long timeoutMicros = timeout.isZero() ? 0 : Math.max(1, timeout.toNanos() / 1000);
    Request built = request.setRequestId(id).setTimeoutMicros(timeoutMicros).build();
    if (!channel.isActive()) {
      fail(id, new NeedleException(NeedleException.Code.UNAVAILABLE, "connection to " + address + " is closed"));
      return call.reply;
    }
    // One task on the event loop for the write and the local timer, so a call wakes the loop once.
    channel.eventLoop().execute(() -> {
      channel.writeAndFlush(FrameWriter.header(channel.alloc(), built, 0)).addListener(f -> {
        if (!f.isSuccess()) {
          fail(id, new NeedleException(NeedleException.Code.UNAVAILABLE,
              "cannot send to worker " + address + ": " + f.cause(), f.cause()));
        }
      });
      if (timeoutMicros > 0 && !call.reply.isDone()) {
        // The worker answers DEADLINE_EXCEEDED itself; this local timer covers a worker that is
        // gone silent, with a little slack so that the worker's typed answer usually wins. It is
        // cancelled when the reply comes, so dead timers do not pile up in the loop's queue.
        long localMicros = timeoutMicros + Math.max(1000, timeoutMicros / 10);
        call.timeout = channel.eventLoop().schedule(() -> fail(id, new NeedleException(
            NeedleException.Code.DEADLINE_EXCEEDED, "no answer from " + address + " within " + timeout.toMillis()
            + " ms")), localMicros, TimeUnit.MICROSECONDS);
      }
    });
    return call.reply;
  }

  void close() {
    channel.close();
  }

  private void fail(long id, NeedleException error) {
    Call call = pending.remove(id);
    if (call != null) {
      call.cancelTimer();
      call.reply.completeExceptionally(error);
    }
  }

  private void received(Frame frame) {
    long receivedNanos = System.nanoTime();
    ReplyHeader response;
    try {
      response = ReplyHeader.parse(frame.header());
    } catch (InvalidProtocolBufferException e) {
      frame.release();
      channel.close(); // a worker that sends garbage is not to be trusted with the next reply either
      return;
    }
    Call call = pending.remove(response.requestId());
    if (call == null) {
      frame.release();
      return;
    }
    call.cancelTimer();
    if (response.hasError()) {
      frame.release();
      call.reply.completeExceptionally(Errors.fromWire(response.error(), address));
      return;
    }
    if (!call.reply.complete(new Reply(response, frame, call.sentNanos, receivedNanos))) {
      frame.release();
    }
  }

  /** One request waiting for its reply; the timer is set and cancelled on the event loop. */
  private static final class Call {
    final CompletableFuture<Reply> reply = new CompletableFuture<>();
    final long sentNanos;
    ScheduledFuture<?> timeout;

    Call(long sentNanos) {
      this.sentNanos = sentNanos;
    }

    void cancelTimer() {
      ScheduledFuture<?> t = timeout;
      if (t != null) {
        t.cancel(false);
      }
    }
  }

  private void closed() {
    Throwable why = failure;
    for (Long id : pending.keySet()) {
      fail(id, new NeedleException(NeedleException.Code.UNAVAILABLE, "connection to worker " + address + " closed"
          + (why == null ? "" : ": " + (why.getCause() != null ? why.getCause() : why)), why));
    }
  }

  private static final class ReplyHandler extends SimpleChannelInboundHandler<Frame> {
    private final java.util.function.Supplier<Connection> connection;

    ReplyHandler(java.util.function.Supplier<Connection> connection) {
      super(Frame.class, false);
      this.connection = connection;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
      Connection c = connection.get();
      if (c == null) {
        frame.release();
        return;
      }
      c.received(frame);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      Connection c = connection.get();
      if (c != null) {
        c.closed();
      }
      ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      Connection c = connection.get();
      if (c != null && c.failure == null) {
        c.failure = cause;
      }
      ctx.close();
    }
  }
}
