package io.needle.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** A {@code needle serve} child process; its stderr is collected, stdout gives the ready line. */
final class ServeProcess implements AutoCloseable {
  private final Process process;
  private final List<String> stderr; // appended by the reader thread; guarded by itself
  private final CompletableFuture<Void> stderrDone;
  final String address;
  final int healthPort;
  final int httpPort; // -1 without --http-port

  private ServeProcess(Process process, List<String> stderr, CompletableFuture<Void> stderrDone, String address,
      int healthPort, int httpPort) {
    this.process = process;
    this.stderr = stderr;
    this.stderrDone = stderrDone;
    this.address = address;
    this.healthPort = healthPort;
    this.httpPort = httpPort;
  }

  static ServeProcess start(List<String> args, List<String> jvmArgs) throws IOException {
    return start(List.of(), args, jvmArgs);
  }

  /** @param launcher a command that runs the JVM's command line given after it (a sandbox), or empty */
  static ServeProcess start(List<String> launcher, List<String> args, List<String> jvmArgs) throws IOException {
    List<String> command = new ArrayList<>(launcher);
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--add-opens") || a.startsWith("--add-exports") || a.startsWith("--enable-native-access")
          || a.startsWith("-Dchronicle")) {
        command.add(a);
      }
    }
    if (Runtime.version().feature() >= 23) {
      command.add("--sun-misc-unsafe-memory-access=allow"); // as ./needle and the image run it
    }
    command.addAll(jvmArgs);
    String classpath = Path.of("target", "classes").toAbsolutePath() + java.io.File.pathSeparator
        + Files.readString(Path.of("target", "runtime-classpath.txt")).strip();
    command.addAll(List.of("-cp", classpath, "io.needle.cli.Main", "serve"));
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().remove("NEEDLE_LOG_LEVEL");
    builder.environment().remove("NEEDLE_LOG_FORMAT");
    builder.environment().put("AWS_ACCESS_KEY_ID", "test");
    builder.environment().put("AWS_SECRET_ACCESS_KEY", "test-secret");
    Process process = builder.start();
    List<String> lines = new ArrayList<>();
    // Its own thread, not the common pool: with several processes at once on a 2-core machine the
    // pool (parallelism 1) would run one reader only, and the others' pipes would fill up.
    CompletableFuture<Void> stderrDone = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = err.readLine()) != null; ) {
          synchronized (lines) {
            lines.add(line);
          }
        }
      } catch (IOException e) {
        // the process is gone
      } finally {
        stderrDone.complete(null);
      }
    }, "serve-stderr");
    reader.setDaemon(true);
    reader.start();
    BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    String ready = out.readLine(); // blocks until the ready line, or null if the process died
    if (ready == null) {
      stderrDone.join();
      throw new AssertionError("serve exited before it was ready: " + lines);
    }
    Matcher m = Pattern.compile("ready (\\S+) name \\S+(?: health (\\d+))?").matcher(ready);
    assertThat(m.find()).as(ready).isTrue();
    Matcher http = Pattern.compile(" http (\\d+)").matcher(ready);
    return new ServeProcess(process, lines, stderrDone, m.group(1), m.group(2) == null ? -1 : Integer.parseInt(m.group(2)),
        http.find() ? Integer.parseInt(http.group(1)) : -1);
  }

  List<String> stderr() {
    synchronized (stderr) {
      return List.copyOf(stderr);
    }
  }

  /** SIGTERM, as Kubernetes stops a pod; waits for the drain to finish and stderr to close. */
  /** The first stderr line containing {@code part}, waited for (at most 30 s). */
  String logLine(String part) throws InterruptedException {
    long end = System.nanoTime() + 30_000_000_000L;
    while (true) {
      for (String l : stderr()) {
        if (l.contains(part)) {
          return l;
        }
      }
      assertThat(System.nanoTime() - end < 0).as("a log line with '%s' in %s", part, stderr()).isTrue();
      Thread.sleep(10);
    }
  }

  /** The value of {@code name=value} (or {@code name="value"}) in a log line, or "?". */
  static String field(String logLine, String name) {
    Matcher m = Pattern.compile(name + "=\"?([^\" ]*)").matcher(logLine);
    return m.find() ? m.group(1) : "?";
  }

  void stop() throws InterruptedException {
    // SIGTERM through the handle: Process.destroy() would also close our end of stderr.
    assertThat(process.toHandle().destroy()).isTrue();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("serve exits on SIGTERM").isTrue();
    stderrDone.join();
  }

  /** SIGTERM, without waiting. */
  void terminate() {
    assertThat(process.toHandle().destroy()).isTrue();
  }

  /** Waits at most {@code millis} for the process to exit; true when it has. */
  boolean exited(long millis) throws InterruptedException {
    return process.waitFor(millis, TimeUnit.MILLISECONDS);
  }

  int exitValue() {
    return process.exitValue();
  }

  /** GET {@code path} on the health port: the status code, or -1 when nothing answers there. */
  int probe(String path) {
    // A fresh client (and connection) per probe: with one shared client, every probe after SIGTERM
    // failed without an answer until the process exited, where fresh ones read the 503.
    try (java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
        .connectTimeout(java.time.Duration.ofSeconds(2)).build()) {
      return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + healthPort + path))
          .timeout(java.time.Duration.ofSeconds(5)).build(), java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
  }
}
