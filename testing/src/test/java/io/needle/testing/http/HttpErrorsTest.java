package io.needle.testing.http;

import io.needle.testing.MatrixTables;
import io.needle.testing.TableSpec;
import io.needle.testing.e2e.LeakRecorder;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import io.needle.worker.http.FeatureViews;
import io.needle.worker.http.HttpConfig;
import io.needle.worker.http.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad HTTP input of every kind gets a 4xx with the Java API's error code and a message that says
 * what is wrong, and the worker keeps serving: each case is followed by a good call.
 */
class HttpErrorsTest {
  @TempDir
  static Path dir;

  static TableSpec table;
  static Worker worker;
  static HttpServer http;
  static String base;

  @BeforeAll
  static void setUp() throws Exception {
    table = MatrixTables.write(dir).stream().filter(t -> t.presentKeys().get(0) instanceof Long && !t.absentKeys().isEmpty()).findFirst()
        .orElseThrow();
    worker = Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(dir)));
    http = HttpServer.start(worker, HttpConfig.defaults("127.0.0.1", 0).withLimits(4096, 5, 3), FeatureViews.none(),
        HttpServer.inProcessClient(worker));
    base = "http://127.0.0.1:" + http.address().getPort();
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (http != null) {
      http.close();
    }
    if (worker != null) {
      worker.close();
    }
    LeakRecorder.assertNoLeaks();
  }

  private static String uri() {
    return table.dir().toUri().toString();
  }

  private static String good() {
    return "{\"table\":\"" + uri() + "\",\"key_column\":\"" + table.keyColumn() + "\",\"keys\":["
        + table.presentKeys().get(0) + "]}";
  }

  /** Asserts the error, then that a good call still works. */
  private static void assertError(HttpCalls.Answer answer, int status, String code, String messagePart) {
    assertThat(answer.status()).as(answer.body()).isEqualTo(status);
    assertThat(answer.body()).startsWith("{\"error\":{\"code\":\"" + code + "\",\"message\":\"")
        .contains(messagePart);
    HttpCalls.Answer after = HttpCalls.post(base, "/v1/lookup", good());
    assertThat(after.status()).as(after.body()).isEqualTo(200);
    assertThat(after.body()).contains("\"rows\":[{");
  }

  @Test
  void malformedJsonIsA400() {
    assertError(HttpCalls.post(base, "/v1/lookup", "{\"table\": [1,"), 400, "INVALID_ARGUMENT", "malformed JSON");
    assertError(HttpCalls.post(base, "/v1/lookup", ""), 400, "INVALID_ARGUMENT", "malformed JSON");
    assertError(HttpCalls.post(base, "/v1/lookup", "[1,2]"), 400, "INVALID_ARGUMENT", "must be a JSON object");
    assertError(HttpCalls.post(base, "/v1/lookup", "{} {}"), 400, "INVALID_ARGUMENT", "more than one value");
  }

  @Test
  void missingAndMistypedFieldsAreA400NamingTheField() {
    assertError(HttpCalls.post(base, "/v1/lookup", "{\"key_column\":\"id\",\"keys\":[1]}"), 400, "INVALID_ARGUMENT",
        "\\\"table\\\" must be a non-empty string");
    assertError(HttpCalls.post(base, "/v1/lookup", "{\"table\":\"" + uri() + "\",\"key_column\":\"" + table.keyColumn()
        + "\"}"), 400, "INVALID_ARGUMENT", "\\\"keys\\\" is required");
    assertError(HttpCalls.post(base, "/v1/lookup", good().replace("}", ",\"colums\":[\"a\"]}")), 400,
        "INVALID_ARGUMENT", "unknown field \\\"colums\\\"");
  }

  @Test
  void keysOfTheWrongTypeAreA400() {
    String body = "{\"table\":\"" + uri() + "\",\"key_column\":\"" + table.keyColumn() + "\",\"keys\":[";
    assertError(HttpCalls.post(base, "/v1/lookup", body + "\"not a number\"]}"), 400, "INVALID_ARGUMENT", "not a number");
    assertError(HttpCalls.post(base, "/v1/lookup", body + "{\"a\":1}]}"), 400, "INVALID_ARGUMENT",
        "keys[0] must be a number or a string, not an object");
    assertError(HttpCalls.post(base, "/v1/lookup", body + "true]}"), 400, "INVALID_ARGUMENT", "not a boolean");
  }

  @Test
  void unknownColumnsTablesAndKeyColumnsAreA404() {
    assertError(HttpCalls.post(base, "/v1/lookup", good().replace("}", ",\"columns\":[\"no_such_column\"]}")), 404,
        "NOT_FOUND", "no_such_column");
    assertError(HttpCalls.post(base, "/v1/lookup", good().replace(uri(), dir.resolve("no-such-table").toUri().toString())),
        404, "NOT_FOUND", "no-such-table");
  }

  @Test
  void aTableOutsideTheRootsIsA403() {
    assertError(HttpCalls.post(base, "/v1/lookup", good().replace(uri(), "file:///etc")), 403, "PERMISSION_DENIED", "");
  }

  @Test
  void wrongContentTypePathAndMethodAreClear4xx() {
    assertError(HttpCalls.post(base, "/v1/lookup", good(), "text/plain"), 415, "INVALID_ARGUMENT", "not application/json");
    assertError(HttpCalls.post(base, "/v1/nothing", good()), 404, "NOT_FOUND", "no such path: /v1/nothing");
    assertError(HttpCalls.get(base, "/v1/lookup"), 405, "INVALID_ARGUMENT", "only POST");
  }

  @Test
  void limitsOnBodyKeysAndColumnsAreA413() {
    String body = "{\"table\":\"" + uri() + "\",\"key_column\":\"" + table.keyColumn() + "\",\"keys\":[";
    assertError(HttpCalls.post(base, "/v1/lookup", body + "1,2,3,4,5,6]}"), 413, "RESOURCE_EXHAUSTED",
        "6 keys in one call; at most 5");
    assertError(HttpCalls.post(base, "/v1/lookup", good().replace("}", ",\"columns\":[\"a\",\"b\",\"c\",\"d\"]}")), 413,
        "RESOURCE_EXHAUSTED", "4 columns in one call; at most 3");
    HttpCalls.Answer big = HttpCalls.post(base, "/v1/lookup", body + "1" + ",1".repeat(5000) + "]}");
    assertThat(big.status()).isEqualTo(413);
    assertThat(big.body()).contains("RESOURCE_EXHAUSTED").contains("request body over 4096 bytes");
    assertThat(HttpCalls.post(base, "/v1/lookup", good()).status()).isEqualTo(200);
  }

  @Test
  void garbageThatIsNotHttpIsAnsweredAndClosedWithoutHarm() throws Exception {
    try (Socket s = new Socket("127.0.0.1", http.address().getPort())) {
      OutputStream out = s.getOutputStream();
      out.write("NOT HTTP AT ALL\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      String reply = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
      assertThat(reply).startsWith("HTTP/1.1 4");
    }
    assertThat(HttpCalls.post(base, "/v1/lookup", good()).status()).isEqualTo(200);
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrder() throws Exception {
    String first = good();
    String second = "{\"table\":\"" + uri() + "\",\"key_column\":\"" + table.keyColumn() + "\",\"keys\":["
        + table.absentKeys().get(0) + "]}";
    StringBuilder wire = new StringBuilder();
    for (String body : List.of(first, second)) {
      wire.append("POST /v1/lookup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ")
          .append(body.getBytes(StandardCharsets.UTF_8).length).append("\r\n\r\n").append(body);
    }
    wire.append("POST /v1/lookup HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}");
    try (Socket s = new Socket("127.0.0.1", http.address().getPort())) {
      s.getOutputStream().write(wire.toString().getBytes(StandardCharsets.UTF_8));
      s.getOutputStream().flush();
      String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int a = reply.indexOf("\"rows\":[{");
      int b = reply.indexOf("\"rows\":[]");
      int c = reply.indexOf("\"table\\\" must be");
      assertThat(a).isPositive();
      assertThat(b).isGreaterThan(a);
      assertThat(c).isGreaterThan(b);
    }
  }
}
