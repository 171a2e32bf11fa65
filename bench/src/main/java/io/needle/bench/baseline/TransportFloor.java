package io.needle.bench.baseline;

import io.needle.bench.harness.LookupTarget;
import io.needle.bench.harness.Workload;
import io.needle.protocol.BlockingFrames;
import io.needle.protocol.Frame;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * The floor under Needle's round trip: a bare Netty server (epoll when available, as the worker)
 * that answers every request frame with a fixed frame of the size Needle's answers have, called
 * over a blocking socket the way the client's synchronous calls are (same {@link BlockingFrames}
 * read path). No parsing, no planning, no page copies: what is left is the event loop, the
 * system calls and loopback, so Needle's transport stage can be read against it in the same run.
 *
 * <p>Nothing is decoded: each call answers the number of rows Needle's answer of that size held
 * (1 for a present key, 0 for an absent one), so the harness's check of every call holds.
 */
public final class TransportFloor implements LookupTarget {
  private final EventLoopGroup group;
  private final Channel server;
  private final ByteBuf reply; // every answer is a retained duplicate; released on close
  private final byte[] request;
  private final int responseBytes;
  private final int rows;
  private final boolean epoll;
  private Caller shared;

  /**
   * @param requestBytes bytes of each request frame, prefix included
   * @param responseBytes bytes of each answer frame, prefix included
   * @param rows what each call answers (the rows Needle's answers of that size hold)
   */
  public TransportFloor(int requestBytes, int responseBytes, int rows) throws InterruptedException {
    if (requestBytes < Frame.PREFIX_BYTES || responseBytes < Frame.PREFIX_BYTES) {
      throw new IllegalArgumentException("frames are at least " + Frame.PREFIX_BYTES + " bytes");
    }
    this.responseBytes = responseBytes;
    this.rows = rows;
    this.request = new byte[requestBytes];
    putInt(request, 0, requestBytes - 4);
    putInt(request, 4, requestBytes - Frame.PREFIX_BYTES); // all header, like a request
    byte[] answer = new byte[responseBytes];
    putInt(answer, 0, responseBytes - 4);
    putInt(answer, 4, 0);
    reply = Unpooled.directBuffer(responseBytes).writeBytes(answer);
    epoll = Epoll.isAvailable();
    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    Class<? extends ServerChannel> channelClass = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    group = new MultiThreadIoEventLoopGroup(1, io);
    try {
      server = new ServerBootstrap().group(group).channel(channelClass)
          .childOption(ChannelOption.TCP_NODELAY, true)
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(1 << 20, 0, 4, 0, 4),
                  new SimpleChannelInboundHandler<ByteBuf>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
                      ctx.writeAndFlush(reply.retainedDuplicate(), ctx.voidPromise());
                    }
                  });
            }
          })
          .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    } catch (InterruptedException | RuntimeException e) {
      group.shutdownGracefully();
      reply.release();
      throw e;
    }
  }

  @Override
  public String name() {
    return "Transport floor (Netty " + (epoll ? "epoll" : "nio") + " echo)";
  }

  @Override
  public boolean supports(Workload workload) {
    return workload.keysPerCall() == 1;
  }

  @Override
  public synchronized int lookup(Object[] keys) throws Exception {
    if (shared == null) {
      shared = new Caller();
    }
    return shared.lookup(keys);
  }

  @Override
  public LookupTarget forCaller() throws IOException {
    return new Caller();
  }

  @Override
  public void close() {
    server.close().syncUninterruptibly();
    group.shutdownGracefully().syncUninterruptibly();
    reply.release();
  }

  /** One blocking connection, used by one caller thread. */
  private final class Caller implements LookupTarget {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    Caller() throws IOException {
      socket = new Socket();
      socket.setTcpNoDelay(true);
      socket.connect(server.localAddress());
      in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
      out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
    }

    @Override
    public String name() {
      return TransportFloor.this.name();
    }

    @Override
    public boolean supports(Workload workload) {
      return TransportFloor.this.supports(workload);
    }

    @Override
    public int lookup(Object[] keys) throws IOException {
      out.write(request);
      out.flush();
      Frame frame = BlockingFrames.read(in, responseBytes + 1);
      try {
        if (frame.payload().readableBytes() != responseBytes - Frame.PREFIX_BYTES) {
          throw new IOException("answer of " + frame.payload().readableBytes() + " bytes, expected "
              + (responseBytes - Frame.PREFIX_BYTES));
        }
      } finally {
        frame.release();
      }
      return rows;
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  private static void putInt(byte[] b, int at, int v) {
    b[at] = (byte) (v >>> 24);
    b[at + 1] = (byte) (v >>> 16);
    b[at + 2] = (byte) (v >>> 8);
    b[at + 3] = (byte) v;
  }
}
