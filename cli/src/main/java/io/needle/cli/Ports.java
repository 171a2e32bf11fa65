package io.needle.cli;

import java.net.BindException;

/** Recognises a bind that failed because the port is taken, from the JDK (BindException) or Netty's epoll. */
final class Ports {
  private Ports() {}

  static boolean inUse(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      // Netty's native transport throws its own IOException with the errno's text (EADDRINUSE).
      if (t instanceof BindException || String.valueOf(t.getMessage()).contains("Address already in use")) {
        return true;
      }
    }
    return false;
  }
}
