package io.needle.testing.http;

import io.needle.testing.OracleRow;
import io.needle.testing.ParquetOracle;
import io.needle.testing.e2e.LeakRecorder;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import io.needle.worker.http.FeatureViews;
import io.needle.worker.http.HttpConfig;
import io.needle.worker.http.HttpServer;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Feast's {@code POST /get-online-features} on a real worker: the request Feast's docs show (kept
 * under {@code src/test/resources/feast}, see its README) and variations of it, every value,
 * status and event timestamp compared with parquet-java's reading of the table.
 */
class FeastOnlineFeaturesTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final MessageType SCHEMA = MessageTypeParser.parseMessageType("""
      message driver_hourly_stats {
        required int64 driver_id;
        optional float conv_rate;
        optional float acc_rate;
        optional int32 avg_daily_trips;
        required int64 event_timestamp (TIMESTAMP(MICROS,true));
      }""");
  private static final Instant HOUR_21 = Instant.parse("2021-12-31T21:00:00Z");

  @TempDir
  static Path dir;

  static Path table;
  static List<OracleRow> oracleRows = new ArrayList<>();
  static Worker worker;
  static HttpServer http;
  static String base;

  @BeforeAll
  static void setUp() throws Exception {
    table = Files.createDirectories(dir.resolve("driver_stats"));
    // Three rows per driver, one per hour, over two files; the latest hour is in the first file.
    write(table.resolve("part-0.parquet"), List.of(0, 2));
    write(table.resolve("part-1.parquet"), List.of(1));
    for (String f : List.of("part-0.parquet", "part-1.parquet")) {
      oracleRows.addAll(ParquetOracle.readAll(table.resolve(f)));
    }
    Path views = dir.resolve("feature_views.json");
    Files.writeString(views, """
        {"driver_hourly_stats": {"table": "%s", "join_key": "driver_id",
          "event_timestamp_column": "event_timestamp",
          "features": {"conv_rate": "conv_rate", "acc_rate": "acc_rate", "avg_daily_trips": "avg_daily_trips"}}}
        """.formatted(table.toUri()));
    worker = Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(dir)));
    http = HttpServer.start(worker, HttpConfig.defaults("127.0.0.1", 0), FeatureViews.parse(views),
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

  /** Drivers 1001-1010 at the given hours after 21:00; driver 1005 has a null conv_rate at its latest hour. */
  private static void write(Path file, List<Integer> hours) throws Exception {
    SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
    try (ParquetWriter<Group> w = ExampleParquetWriter.builder(new LocalOutputFile(file))
        .withConf(new PlainParquetConfiguration()).withType(SCHEMA).build()) {
      for (int hour : hours) {
        for (long driver = 1001; driver <= 1010; driver++) {
          Group g = groups.newGroup().append("driver_id", driver);
          if (!(driver == 1005 && hour == 2)) {
            g.append("conv_rate", (float) (driver % 97) / 97f + hour / 10f);
          }
          g.append("acc_rate", (float) Math.sqrt(driver + hour));
          g.append("avg_daily_trips", (int) (driver % 1000) * 10 + hour);
          g.append("event_timestamp", HOUR_21.plusSeconds(3600L * hour).getEpochSecond() * 1_000_000L);
          w.write(g);
        }
      }
    }
  }

  /** The oracle's latest row of {@code driver} (Feast's online value), or null when it has none. */
  private static OracleRow latest(long driver) {
    OracleRow best = null;
    for (OracleRow r : oracleRows) {
      if (((Number) r.get("driver_id")).longValue() == driver
          && (best == null || ((Instant) r.get("event_timestamp")).isAfter((Instant) best.get("event_timestamp")))) {
        best = r;
      }
    }
    return best;
  }

  private static String fixture(String name) throws Exception {
    try (InputStream in = FeastOnlineFeaturesTest.class.getResourceAsStream("/feast/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** Checks every value, status and timestamp of {@code answer} against the oracle. */
  private static void assertMatchesOracle(JsonNode answer, List<Long> drivers, List<String> features, String prefix) {
    List<String> names = new ArrayList<>();
    answer.get("metadata").get("feature_names").forEach(n -> names.add(n.asString()));
    List<String> wantNames = new ArrayList<>(List.of("driver_id"));
    features.forEach(f -> wantNames.add(prefix + f));
    assertThat(names).isEqualTo(wantNames);
    JsonNode results = answer.get("results");
    assertThat(results.size()).isEqualTo(1 + features.size());
    JsonNode entity = results.get(0);
    for (int i = 0; i < drivers.size(); i++) {
      assertThat(entity.get("values").get(i).asLong()).isEqualTo(drivers.get(i));
      assertThat(entity.get("statuses").get(i).asString()).isEqualTo("PRESENT");
      assertThat(entity.get("event_timestamps").get(i).asString()).isEqualTo("1970-01-01T00:00:00Z");
    }
    for (int f = 0; f < features.size(); f++) {
      JsonNode column = results.get(1 + f);
      for (int i = 0; i < drivers.size(); i++) {
        OracleRow row = latest(drivers.get(i));
        Object want = row == null ? null : row.get(features.get(f));
        JsonNode value = column.get("values").get(i);
        String status = column.get("statuses").get(i).asString();
        String ts = column.get("event_timestamps").get(i).asString();
        String what = features.get(f) + " of " + drivers.get(i);
        if (row == null) {
          assertThat(status).as(what).isEqualTo("NOT_FOUND");
          assertThat(value.isNull()).as(what).isTrue();
          assertThat(ts).as(what).isEqualTo("1970-01-01T00:00:00Z");
          continue;
        }
        assertThat(ts).as(what).isEqualTo(row.get("event_timestamp").toString());
        if (want == null) {
          assertThat(status).as(what).isEqualTo("NULL_VALUE");
          assertThat(value.isNull()).as(what).isTrue();
        } else {
          assertThat(status).as(what).isEqualTo("PRESENT");
          if (want instanceof Float fl) {
            assertThat(value.doubleValue()).as(what).isEqualTo((double) fl);
          } else {
            assertThat(value.asLong()).as(what).isEqualTo(((Number) want).longValue());
          }
        }
      }
    }
  }

  @Test
  void theRequestFromFeastsDocsIsAnsweredWithTheOraclesValues() throws Exception {
    HttpCalls.Answer answer = HttpCalls.post(base, "/get-online-features", fixture("request.json"), null);
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    JsonNode ours = JSON.readTree(answer.body());
    assertMatchesOracle(ours, List.of(1001L, 1002L, 1003L), List.of("conv_rate", "acc_rate", "avg_daily_trips"), "");

    // What the documented response shares with ours, whatever its layout (see the fixture's README).
    JsonNode documented = JSON.readTree(fixture("response.json"));
    List<String> documentedNames = new ArrayList<>();
    documented.get("metadata").get("feature_names").forEach(n -> documentedNames.add(n.asString()));
    List<String> ourNames = new ArrayList<>();
    ours.get("metadata").get("feature_names").forEach(n -> ourNames.add(n.asString()));
    assertThat(ourNames).containsExactlyInAnyOrderElementsOf(documentedNames);
    assertThat(ourNames.get(0)).isEqualTo(documentedNames.get(0)); // the entity column first
    Map<String, Integer> statusCounts = new HashMap<>();
    documented.get("results").forEach(r -> r.get("statuses").forEach(s -> statusCounts.merge(s.asString(), 1, Integer::sum)));
    Map<String, Integer> ourCounts = new HashMap<>();
    ours.get("results").forEach(r -> r.get("statuses").forEach(s -> ourCounts.merge(s.asString(), 1, Integer::sum)));
    assertThat(ourCounts).isEqualTo(statusCounts);
    assertThat(ours.get("results").get(0).get("event_timestamps").get(0).asString())
        .isEqualTo(documented.get("results").get(0).get("event_timestamps").get(0).asString());
    assertThat(ours.get("results").get(1).get("event_timestamps").get(0).asString())
        .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"); // the documented format
    List<Long> entityValues = new ArrayList<>();
    ours.get("results").get(0).get("values").forEach(v -> entityValues.add(v.asLong()));
    assertThat(entityValues).containsExactly(1001L, 1002L, 1003L);
  }

  @Test
  void absentEntitiesAreNotFoundAndNullValuesNullValue() throws Exception {
    String body = """
        {"features": ["driver_hourly_stats:avg_daily_trips", "driver_hourly_stats:conv_rate"],
         "entities": {"driver_id": [1005, 1099, 1010, 1005]}, "full_feature_names": true}""";
    HttpCalls.Answer answer = HttpCalls.post(base, "/get-online-features", body);
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    JsonNode ours = JSON.readTree(answer.body());
    assertMatchesOracle(ours, List.of(1005L, 1099L, 1010L, 1005L), List.of("avg_daily_trips", "conv_rate"),
        "driver_hourly_stats__");
    assertThat(ours.get("results").get(2).get("statuses").toString())
        .isEqualTo("[\"NULL_VALUE\",\"NOT_FOUND\",\"PRESENT\",\"NULL_VALUE\"]");
  }

  @Test
  void errorsAreAnsweredAsTheFeatureServerAnswersThem() throws Exception {
    HttpCalls.Answer unknownView = HttpCalls.post(base, "/get-online-features",
        "{\"features\":[\"no_view:x\"],\"entities\":{\"driver_id\":[1]}}");
    assertThat(unknownView.status()).isEqualTo(404);
    JsonNode detail = JSON.readTree(JSON.readTree(unknownView.body()).asString()); // a JSON string holding JSON
    assertThat(detail.get("module").asString()).isEqualTo("feast.errors");
    assertThat(detail.get("class").asString()).isEqualTo("FeatureViewNotFoundException");
    assertThat(detail.get("message").asString()).isEqualTo("Feature view no_view does not exist");

    HttpCalls.Answer noEntities = HttpCalls.post(base, "/get-online-features",
        "{\"features\":[\"driver_hourly_stats:conv_rate\"]}");
    assertThat(noEntities.status()).isEqualTo(422);
    JsonNode problem = JSON.readTree(noEntities.body()).get("detail").get(0);
    assertThat(problem.get("type").asString()).isEqualTo("missing");
    assertThat(problem.get("loc").toString()).isEqualTo("[\"body\",\"entities\"]");

    HttpCalls.Answer malformed = HttpCalls.post(base, "/get-online-features", "{\"features\": [");
    assertThat(malformed.status()).isEqualTo(422);
    assertThat(JSON.readTree(malformed.body()).get("detail").get(0).get("type").asString()).isEqualTo("json_invalid");

    // and the worker keeps serving
    HttpCalls.Answer after = HttpCalls.post(base, "/get-online-features", fixture("request.json"), null);
    assertThat(after.status()).isEqualTo(200);
  }
}
