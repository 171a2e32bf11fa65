package io.needle.cli;

import io.needle.bench.gen.FeatureRow;
import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * RELIABILITY.md T24 for the HTTP port of a real {@code needle serve}: after SIGTERM the port
 * goes on accepting and answering (rows equal to the generator's) while readiness already fails
 * and liveness holds, for the drain delay, as the lookup port does; then new connections are
 * refused on both ports, and the process exits inside the grace with nothing in flight. Every
 * call is a new connection, so "accepting" is what is measured.
 */
class HttpDrainTest {
  /**
   * A connection accepted in the last moment of the delay and closed by the worker's close before
   * its call reached the worker (an HTTP call counts as in flight only once it does).
   */
  private static final int CLOSED_UNANSWERED = -2;

  @TempDir
  Path dir;

  @Test
  void sigtermKeepsTheHttpPortAcceptingThroughTheDelayThenClosesItWithTheLookupPort() throws Exception {
    FeatureTable users = new FeatureTable(GenOptions.defaults(4_000, 2));
    Path table = dir.resolve("tables").resolve("users");
    users.write(table);
    // A long delay: the ordering witness is readiness turning 503, which a loaded machine may take
    // seconds to show; the HTTP call after it must still fall inside the delay.
    try (ServeProcess serve = ServeProcess.start(List.of("--root", dir.resolve("tables").toString(), "--port", "0",
        "--health-port", "0", "--http-port", "0", "--name", "h", "--drain-delay", "20s", "--drain-grace", "10s"),
        List.of("-Xmx256m"))) {
      assertThat(serve.httpPort).as("the ready line names the HTTP port").isPositive();
      int lookupPort = Integer.parseInt(serve.address.substring(serve.address.lastIndexOf(':') + 1));
      long key = users.keyAt(77);
      assertLookup(serve.httpPort, table, users, key);

      serve.terminate();
      long end = System.nanoTime() + 60_000_000_000L;
      int ready;
      while ((ready = get(serve.healthPort, "/readyz")) == 200 && System.nanoTime() - end < 0) {
        Thread.sleep(5);
      }
      assertThat(ready).as("readiness once SIGTERM arrived").isEqualTo(503);
      assertThat(get(serve.healthPort, "/livez")).as("liveness while draining").isEqualTo(200);
      // Readiness failed, so the drain has begun: a new HTTP connection is still accepted and served.
      assertLookup(serve.httpPort, table, users, users.keyAt(1_234));
      int servedAfterNotReady = 1;
      Answer after;
      while ((after = post(serve.httpPort, lookupBody(table, users.keyAt(servedAfterNotReady * 13 % 4_000)))) != null
          && System.nanoTime() - end < 0) {
        if (after.status() == 200) {
          servedAfterNotReady++;
        } else if (after.status() != CLOSED_UNANSWERED) {
          // The delay ended between accepting and answering: refused as the lookup port refuses.
          assertThat(after.status()).as(after.body()).isEqualTo(503);
          assertThat(after.body()).contains("UNAVAILABLE");
        }
        Thread.sleep(50);
      }
      assertThat(after).as("the HTTP port stops accepting after the delay").isNull();
      // The lookup port was closed first: it refuses too.
      assertThat(catchConnect(lookupPort)).as("lookup port after the delay").isInstanceOf(ConnectException.class);
      assertThat(serve.exited(30_000)).as("exits inside the grace").isTrue();
      String stopped = stoppedLine(serve);
      assertThat(stopped).contains("in_flight_left=\"0\"");
      System.out.printf("T24 HTTP port: %d HTTP calls on new connections served after readiness failed; then "
          + "connections refused on the HTTP and lookup ports; %s%n", servedAfterNotReady, stopped);
    }
  }

  /** The log's stop line, waited for (at most 30 s): stderr is read by another thread. */
  private static String stoppedLine(ServeProcess serve) throws InterruptedException {
    long end = System.nanoTime() + 30_000_000_000L;
    while (true) {
      for (String l : serve.stderr()) {
        if (l.contains(" stopped ")) {
          return l;
        }
      }
      assertThat(System.nanoTime() - end < 0).as("the stop line in %s", serve.stderr()).isTrue();
      Thread.sleep(10);
    }
  }

  private static void assertLookup(int httpPort, Path table, FeatureTable users, long key) throws IOException {
    Answer a = post(httpPort, lookupBody(table, key));
    assertThat(a).as("answered").isNotNull();
    assertThat(a.status()).as(a.body()).isEqualTo(200);
    FeatureRow want = users.expected(key);
    assertThat(a.body()).isEqualTo("{\"results\":[{\"key\":" + key + ",\"rows\":[{\"user_id\":" + key + ",\"age\":"
        + want.age() + ",\"active\":" + want.active() + "}]}]}");
  }

  private static String lookupBody(Path table, long key) {
    return "{\"table\":\"" + table.toUri() + "\",\"key_column\":\"user_id\",\"keys\":[" + key
        + "],\"columns\":[\"user_id\",\"age\",\"active\"]}";
  }

  private record Answer(int status, String body) {}

  /** POST /v1/lookup on a new connection; null when the connection is refused. */
  private static Answer post(int port, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    return call(port, "POST /v1/lookup HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + "Content-Length: " + bytes.length + "\r\nConnection: close\r\n\r\n", bytes);
  }

  /** GET on the health port on a new connection: the status, or -1 when refused. */
  private static int get(int port, String path) throws IOException {
    Answer a = call(port, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", new byte[0]);
    return a == null ? -1 : a.status();
  }

  private static Answer call(int port, String head, byte[] body) throws IOException {
    try (Socket s = new Socket()) {
      try {
        s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
      } catch (ConnectException refused) {
        return null;
      }
      s.setSoTimeout(30_000);
      OutputStream out = s.getOutputStream();
      out.write(head.getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      try {
        in.transferTo(all); // Connection: close: the answer ends with the stream
      } catch (java.net.SocketException reset) {
        return new Answer(CLOSED_UNANSWERED, "");
      }
      String text = all.toString(StandardCharsets.UTF_8);
      if (text.isEmpty()) {
        return new Answer(CLOSED_UNANSWERED, "");
      }
      assertThat(text).as("an HTTP answer").startsWith("HTTP/1.1 ");
      int status = Integer.parseInt(text.substring(9, 12));
      int bodyAt = text.indexOf("\r\n\r\n");
      return new Answer(status, bodyAt < 0 ? "" : text.substring(bodyAt + 4));
    }
  }

  private static Throwable catchConnect(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
      return null;
    } catch (IOException e) {
      return e;
    }
  }
}
