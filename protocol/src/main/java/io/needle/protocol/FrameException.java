package io.needle.protocol;

import io.netty.handler.codec.CorruptedFrameException;

/** A frame that breaks the framing rules; the connection that sent it must be closed. */
public final class FrameException extends CorruptedFrameException {
  private static final long serialVersionUID = 1L;

  public FrameException(String message) {
    super(message);
  }
}
