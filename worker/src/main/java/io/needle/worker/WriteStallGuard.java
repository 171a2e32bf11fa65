package io.needle.worker;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection that stays unwritable (its answers over the high watermark, because the
 * client stopped reading) for longer than {@link ServerLimits#writeStallTimeout}. A slow reader
 * that does read brings the connection under the low watermark again and starts afresh; while
 * it is unwritable, the request handler reads nothing more from it (T14's backpressure). One per
 * connection, on its event loop.
 */
final class WriteStallGuard extends ChannelDuplexHandler {
  private static final Logger log = LoggerFactory.getLogger(WriteStallGuard.class);

  private final Duration timeout;
  private ScheduledFuture<?> timer;

  WriteStallGuard(Duration timeout) {
    this.timeout = timeout;
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ctx.channel().isWritable()) {
      cancel();
    } else if (timer == null) {
      timer = ctx.executor().schedule(() -> {
        timer = null;
        if (!ctx.channel().isWritable()) {
          log.debug("closing {}: it read none of its answers for {}", ctx.channel().remoteAddress(), timeout);
          ctx.close();
        }
      }, timeout.toNanos(), TimeUnit.NANOSECONDS);
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancel();
    ctx.fireChannelInactive();
  }

  private void cancel() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }
}
