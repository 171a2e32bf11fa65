package io.needle.bench.baseline;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;

/**
 * A {@code redis-server} the harness starts for the Redis baseline: found on the PATH, bound to
 * 127.0.0.1 on a free port, no persistence ({@code --save '' --appendonly no}), and stopped by
 * the PID it was started with.
 */
public final class RedisServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RedisServer.class);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(10);

  private final Process process;
  private final int port;

  private RedisServer(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /** {@code redis-server} on the PATH, or empty. */
  public static Optional<Path> findOnPath() {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      Path candidate = Path.of(dir, "redis-server");
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** Starts {@code executable} on loopback and waits until it answers PING. */
  public static RedisServer start(Path executable) throws IOException, InterruptedException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Process p = new ProcessBuilder(List.of(executable.toString(), "--bind", "127.0.0.1", "--port",
        Integer.toString(port), "--save", "", "--appendonly", "no", "--protected-mode", "yes",
        "--loglevel", "warning"))
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
    RedisServer server = new RedisServer(p, port);
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (true) {
      try (Jedis j = new Jedis("127.0.0.1", port)) {
        if ("PONG".equals(j.ping())) {
          log.info("redis-server pid {} on 127.0.0.1:{}", p.pid(), port);
          return server;
        }
      } catch (RuntimeException e) {
        if (!p.isAlive() || System.nanoTime() > deadline) {
          server.close();
          throw new IOException("redis-server did not start on 127.0.0.1:" + port
              + (p.isAlive() ? " within " + START_TIMEOUT : " (exited " + p.exitValue() + ")"), e);
        }
        Thread.sleep(20);
      }
    }
  }

  public int port() {
    return port;
  }

  public long pid() {
    return process.pid();
  }

  /** Stops the server by its PID: SIGTERM, then SIGKILL after five seconds. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
