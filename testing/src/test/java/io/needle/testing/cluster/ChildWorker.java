package io.needle.testing.cluster;

import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A worker in its own JVM, so a test can kill it by PID: {@code main(root, name, port)} serves
 * until killed and prints {@code ready PORT} once it accepts connections ({@link #startMain} runs
 * another such main, e.g. a worker on S3).
 */
public final class ChildWorker implements AutoCloseable {
  final Process process;
  final String name;
  public final int port;

  private ChildWorker(Process process, String name, int port) {
    this.process = process;
    this.name = name;
    this.port = port;
  }

  public static void main(String[] args) throws Exception {
    WorkerConfig config = WorkerConfig.defaults("127.0.0.1", Integer.parseInt(args[2]), List.of(Path.of(args[0])))
        .withName(args[1]);
    Worker worker = Worker.start(config);
    System.out.println("ready " + worker.address().getPort());
    System.out.flush();
    new CountDownLatch(1).await();
  }

  /** Starts a child JVM and waits until it accepts connections on {@code port} (0 = any). */
  static ChildWorker start(Path root, String name, int port) throws IOException, InterruptedException {
    return startMain(ChildWorker.class, name, List.of(root.toString(), name, Integer.toString(port)));
  }

  /**
   * Starts {@code main} (a class on the test classpath whose main prints {@code ready PORT} once
   * it serves) in a child JVM and waits for that line.
   */
  public static ChildWorker startMain(Class<?> main, String name, List<String> args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--add-opens") || arg.startsWith("--add-exports") || arg.startsWith("--enable-native-access")
          || arg.startsWith("-Dio.netty.leakDetection")) {
        command.add(arg);
      }
    }
    command.addAll(List.of("-Xmx256m", "-XX:MaxDirectMemorySize=256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-cp", System.getProperty("java.class.path"), main.getName()));
    command.addAll(args);
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    String line;
    List<String> seen = new ArrayList<>();
    while ((line = out.readLine()) != null) {
      if (line.startsWith("ready ")) {
        int bound = Integer.parseInt(line.substring(6).trim());
        Thread drain = new Thread(() -> drainQuietly(out), "child-" + name + "-output");
        drain.setDaemon(true);
        drain.start();
        return new ChildWorker(process, name, bound);
      }
      seen.add(line);
    }
    process.waitFor(5, TimeUnit.SECONDS);
    throw new IOException("child worker " + name + " exited before it was ready: " + String.join("\n", seen));
  }

  long pid() {
    return process.pid();
  }

  /** SIGKILL by PID, as an OOM killer or a node failure would. */
  public void killByPid() throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-9", Long.toString(pid())).inheritIO().start();
    if (kill.waitFor() != 0) {
      throw new IOException("kill -9 " + pid() + " failed");
    }
    process.waitFor();
  }

  @Override
  public void close() {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void drainQuietly(BufferedReader out) {
    try {
      while (out.readLine() != null) {
        // discard: the child's logs are not part of the test
      }
    } catch (IOException ignored) {
      // the child died; nothing more to read
    }
  }
}
