package io.needle.testing.http;

import io.needle.testing.MatrixTables;
import io.needle.testing.TableSpec;
import io.needle.testing.e2e.LeakRecorder;
import io.needle.testing.ValueJson;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import io.needle.worker.http.FeatureViews;
import io.needle.worker.http.HttpConfig;
import io.needle.worker.http.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code POST /v1/lookup} on a real worker's HTTP port, for every table of the matrix (every key
 * and value type, encoding, codec), compared byte for byte with what parquet-java's reader holds,
 * written in the JSON of docs/values.md by the oracle's own writer.
 */
class HttpLookupTest {
  @TempDir
  static Path dir;

  static List<TableSpec> tables;
  static final OracleRows oracle = new OracleRows();
  static Worker worker;
  static HttpServer http;
  static String base;

  @BeforeAll
  static void setUp() throws Exception {
    tables = MatrixTables.write(dir);
    worker = Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(dir)));
    http = HttpServer.start(worker, HttpConfig.defaults("127.0.0.1", 0), FeatureViews.none(),
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

  static List<String> expected(TableSpec t, Object key, List<String> fields) {
    return oracle.rows(t, key, fields);
  }

  /** The request body: keys in their docs/values.md JSON form (numbers, or the strings parseKey reads). */
  static String request(TableSpec t, List<Object> keys, List<String> columns) {
    StringBuilder body = new StringBuilder("{\"table\":").append(ValueJson.value(t.dir().toUri().toString()))
        .append(",\"key_column\":").append(ValueJson.value(t.keyColumn())).append(",\"keys\":[");
    for (int i = 0; i < keys.size(); i++) {
      body.append(i == 0 ? "" : ",").append(ValueJson.value(keys.get(i)));
    }
    body.append("]");
    if (!columns.isEmpty()) {
      body.append(",\"columns\":[");
      for (int i = 0; i < columns.size(); i++) {
        body.append(i == 0 ? "" : ",").append(ValueJson.value(columns.get(i)));
      }
      body.append("]");
    }
    return body.append("}").toString();
  }

  /** The documented answer: one result per key sent, in order, with the oracle's rows. */
  static String expectedAnswer(TableSpec t, List<Object> keys, List<String> columns) {
    StringBuilder out = new StringBuilder("{\"results\":[");
    for (int i = 0; i < keys.size(); i++) {
      out.append(i == 0 ? "" : ",").append("{\"key\":").append(ValueJson.value(keys.get(i))).append(",\"rows\":[")
          .append(String.join(",", expected(t, keys.get(i), columns))).append("]}");
    }
    return out.append("]}").toString();
  }

  @Test
  void everyTableAnswersOverHttpLikeParquetJavaForPresentDuplicateAndAbsentKeys() {
    Random random = new Random(7);
    int rows = 0;
    for (TableSpec t : tables) {
      List<Object> keys = new ArrayList<>(t.duplicateKeys());
      for (int i = 0; i < 10; i++) {
        keys.add(t.presentKeys().get(random.nextInt(t.presentKeys().size())));
      }
      keys.addAll(t.absentKeys());
      keys.add(t.presentKeys().get(0)); // a key sent twice is answered twice
      keys.add(t.presentKeys().get(0));
      Collections.shuffle(keys, random);
      HttpCalls.Answer answer = HttpCalls.post(base, "/v1/lookup", request(t, keys, List.of()));
      assertThat(answer.status()).as("%s: %s", t.name(), answer.body()).isEqualTo(200);
      assertThat(answer.body()).as("%s (%s)", t.name(), t.layout()).isEqualTo(expectedAnswer(t, keys, List.of()));
      for (Object key : keys) {
        rows += expected(t, key, List.of()).size();
      }
    }
    assertThat(rows).isGreaterThan(100);
  }

  @Test
  void columnsAreAnsweredExactlyAsRequestedInTheirOrder() {
    Random random = new Random(11);
    for (TableSpec t : tables) {
      List<String> fields = new ArrayList<>(oracle.oracle(t.files().get(0)).schema().getFields().stream()
          .map(f -> f.getName()).toList());
      Collections.shuffle(fields, random);
      fields = fields.subList(0, Math.min(4, fields.size()));
      List<Object> keys = List.copyOf(t.presentKeys().subList(0, Math.min(5, t.presentKeys().size())));
      HttpCalls.Answer answer = HttpCalls.post(base, "/v1/lookup", request(t, keys, fields));
      assertThat(answer.status()).as("%s: %s", t.name(), answer.body()).isEqualTo(200);
      assertThat(answer.body()).as("%s fields %s", t.name(), fields).isEqualTo(expectedAnswer(t, keys, fields));
    }
  }

  @Test
  void anEmptyKeyListIsAnEmptyAnswer() {
    TableSpec t = tables.get(0);
    HttpCalls.Answer answer = HttpCalls.post(base, "/v1/lookup", request(t, List.of(), List.of()));
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.body()).isEqualTo("{\"results\":[]}");
  }
}
