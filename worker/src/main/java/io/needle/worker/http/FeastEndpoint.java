package io.needle.worker.http;

import io.needle.client.NeedleException;
import io.needle.client.Row;
import io.needle.client.Table;
import io.needle.decode.ValueJson;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * {@code POST /get-online-features}, as Feast's feature server answers it and its {@code remote}
 * online store reads it (feast-dev/feast: {@code sdk/python/feast/feature_server.py},
 * {@code sdk/python/feast/infra/online_stores/remote.py}).
 *
 * <p>Request: {@code {"features":["view:feature",...],"entities":{"join_key":[v,...]},
 * "full_feature_names":false}}. Response: {@code metadata.feature_names} lists every entity
 * column given, then every requested feature (as {@code view__feature} with full feature names);
 * {@code results} holds one entry per name, column-major: {@code values}, {@code statuses}
 * ({@code PRESENT}, {@code NOT_FOUND}, {@code NULL_VALUE}) and {@code event_timestamps}
 * (RFC 3339, {@code 1970-01-01T00:00:00Z} for entity columns and absent rows), one per entity
 * row in input order. Entity values are echoed with status {@code PRESENT}, as Feast does.
 *
 * <p>Values as Feast's patched protobuf JSON writes them: numbers, strings, booleans, lists;
 * NaN and infinities as Python's {@code json} writes them ({@code NaN}, {@code Infinity});
 * bytes as base64; timestamps as epoch seconds (Feast's {@code unix_timestamp_val}); other types
 * in the string forms of docs/values.md. When a key has several rows, the one with the latest
 * event timestamp is the key's value (Feast's online store keeps the latest row per entity);
 * without an event-timestamp column, the last row.
 *
 * <p>Errors as the feature server's: a request that does not fit the schema is a 422 with
 * FastAPI's {@code {"detail":[{"type","loc","msg"}]}}; an unknown feature view or a feature
 * service is a 404 whose body is the JSON string of Feast's {@code FeastError.to_error_detail()}
 * ({@code {"module": "feast.errors", "class": "FeatureViewNotFoundException", "message": ...}});
 * Needle's own failures use the same form with {@code "module": "needle"} and the Java API's
 * error code as the class.
 */
final class FeastEndpoint implements Endpoint {
  private static final String EPOCH = "1970-01-01T00:00:00Z";

  private final HttpConfig config;
  private final FeatureViews views;
  private final BiFunction<String, String, Table> tables;

  FeastEndpoint(HttpConfig config, FeatureViews views, BiFunction<String, String, Table> tables) {
    this.config = config;
    this.views = views;
    this.tables = tables;
  }

  /** One requested feature: where it comes from and the name it is answered under. */
  private record Ref(FeatureViews.View view, String feature, String name) {}

  @Override
  public HttpAnswer answer(byte[] body, TableAccess access) {
    Map<String, Object> request = parse(body);
    Object service = request.get("feature_service");
    if (service != null) {
      throw new FeastError(404, "feast.errors", "FeatureServiceNotFoundException",
          "Feature service " + service + " does not exist");
    }
    Object entitiesValue = request.get("entities");
    if (!(entitiesValue instanceof Map<?, ?>)) {
      throw FeastError.invalid(entitiesValue == null ? "missing" : "dict_type", "entities",
          entitiesValue == null ? "Field required" : "Input should be a valid dictionary");
    }
    Map<String, Object> entitiesMap = JsonTree.object(entitiesValue, "entities");
    Object featuresValue = request.get("features");
    if (!(featuresValue instanceof List<?> featureList) || featureList.stream().anyMatch(f -> !(f instanceof String))) {
      throw FeastError.invalid("list_type", "features", "Input should be a valid list of strings");
    }
    Object full = request.getOrDefault("full_feature_names", Boolean.FALSE);
    if (!(full instanceof Boolean fullNames)) {
      throw FeastError.invalid("bool_type", "full_feature_names", "Input should be a valid boolean");
    }
    Map<String, List<Object>> entities = new LinkedHashMap<>();
    int rows = -1;
    for (Map.Entry<String, Object> e : entitiesMap.entrySet()) {
      if (!(e.getValue() instanceof List<?> values)) {
        throw FeastError.invalid("list_type", "entities", "Input should be a valid list");
      }
      @SuppressWarnings("unchecked")
      List<Object> v = (List<Object>) values;
      if (rows >= 0 && v.size() != rows) {
        throw new FeastError(400, "needle", "INVALID_ARGUMENT", "entity " + e.getKey() + " has " + v.size()
            + " values, the others " + rows);
      }
      rows = v.size();
      entities.put(e.getKey(), v);
    }
    rows = Math.max(rows, 0);
    if (rows > config.maxKeysPerCall()) {
      throw new FeastError(413, "needle", "RESOURCE_EXHAUSTED", rows + " entity rows in one call; at most "
          + config.maxKeysPerCall());
    }
    if (featureList.size() > config.maxColumnsPerCall()) {
      throw new FeastError(413, "needle", "RESOURCE_EXHAUSTED", featureList.size()
          + " features in one call; at most " + config.maxColumnsPerCall());
    }
    List<Ref> refs = refs(featureList, fullNames);
    for (Ref ref : refs) { // every view's table before any is read: a refusal reads nothing
      access.check(ref.view().tableUri());
    }

    // One lookup per view, of the distinct columns its requested features need.
    Map<String, Row[]> chosen = new LinkedHashMap<>();
    for (Ref ref : refs) {
      if (chosen.containsKey(ref.view().name())) {
        continue;
      }
      FeatureViews.View view = ref.view();
      List<Object> keys = entities.get(view.joinKey());
      if (keys == null) {
        throw new FeastError(400, "needle", "INVALID_ARGUMENT", "feature view " + view.name()
            + " is looked up by " + view.joinKey() + ", which the entities do not give");
      }
      List<String> features = refs.stream().filter(r -> r.view() == view).map(Ref::feature).toList();
      Table table = tables.apply(view.tableUri(), view.joinKey());
      List<Object> javaKeys = Keys.toJava(table, keys, "entities." + view.joinKey());
      Map<Object, List<Row>> found = table.lookupAll(javaKeys, FeatureViews.columns(view, features));
      Row[] latest = new Row[rows];
      for (int i = 0; i < rows; i++) {
        latest[i] = latest(found.get(javaKeys.get(i)), view.eventTimestampColumn());
      }
      chosen.put(view.name(), latest);
    }
    return HttpAnswer.ok(write(entities, refs, chosen, rows));
  }

  private List<Ref> refs(List<?> featureList, boolean fullNames) {
    List<Ref> refs = new ArrayList<>(featureList.size());
    for (Object f : featureList) {
      String ref = (String) f;
      int colon = ref.indexOf(':');
      String viewName = colon < 0 ? ref : ref.substring(0, colon);
      FeatureViews.View view = views.views().get(viewName);
      if (view == null) {
        throw new FeastError(404, "feast.errors", "FeatureViewNotFoundException",
            "Feature view " + viewName + " does not exist");
      }
      String feature = colon < 0 ? "" : ref.substring(colon + 1);
      if (!view.features().containsKey(feature)) {
        throw new FeastError(404, "needle", "NOT_FOUND", "feature view " + viewName + " has no feature '"
            + feature + "' (it has " + view.features().keySet() + ")");
      }
      refs.add(new Ref(view, feature, fullNames ? viewName + "__" + feature : feature));
    }
    return refs;
  }

  /** The row Feast would hold for a key: the latest by event timestamp, else the last. */
  private static Row latest(List<Row> rows, String timestampColumn) {
    if (rows.isEmpty()) {
      return null;
    }
    Row best = rows.get(rows.size() - 1);
    if (timestampColumn == null) {
      return best;
    }
    for (Row r : rows) {
      if (compare(timestamp(r, timestampColumn), timestamp(best, timestampColumn)) > 0) {
        best = r;
      }
    }
    return best;
  }

  private static int compare(Instant a, Instant b) {
    return a == null ? (b == null ? 0 : -1) : b == null ? 1 : a.compareTo(b);
  }

  private static Instant timestamp(Row row, String column) {
    return row.get(column) instanceof Instant i ? i : null;
  }

  private static String write(Map<String, List<Object>> entities, List<Ref> refs, Map<String, Row[]> chosen, int rows) {
    StringBuilder out = new StringBuilder(1 << 12); // grows with the answer; never sized by the request
    out.append("{\"metadata\":{\"feature_names\":[");
    boolean first = true;
    for (String name : entities.keySet()) {
      first = comma(out, first);
      ValueJson.appendString(out, name);
    }
    for (Ref ref : refs) {
      first = comma(out, first);
      ValueJson.appendString(out, ref.name());
    }
    out.append("]},\"results\":[");
    first = true;
    for (List<Object> values : entities.values()) {
      first = comma(out, first);
      out.append("{\"values\":[");
      for (int i = 0; i < rows; i++) {
        if (i > 0) {
          out.append(',');
        }
        Keys.appendJson(out, values.get(i));
      }
      out.append("],\"statuses\":[");
      repeat(out, "\"PRESENT\"", rows);
      out.append("],\"event_timestamps\":[");
      repeat(out, "\"" + EPOCH + "\"", rows);
      out.append("]}");
    }
    for (Ref ref : refs) {
      first = comma(out, first);
      Row[] found = chosen.get(ref.view().name());
      String column = ref.view().features().get(ref.feature());
      String tsColumn = ref.view().eventTimestampColumn();
      StringBuilder statuses = new StringBuilder();
      StringBuilder timestamps = new StringBuilder();
      out.append("{\"values\":[");
      for (int i = 0; i < rows; i++) {
        if (i > 0) {
          out.append(',');
          statuses.append(',');
          timestamps.append(',');
        }
        Row row = found[i];
        Object value = row == null ? null : row.get(column);
        FeastValues.append(out, value);
        statuses.append(row == null ? "\"NOT_FOUND\"" : value == null ? "\"NULL_VALUE\"" : "\"PRESENT\"");
        Instant ts = row == null || tsColumn == null ? null : timestamp(row, tsColumn);
        timestamps.append('"').append(ts == null ? EPOCH : ts.toString()).append('"');
      }
      out.append("],\"statuses\":[").append(statuses).append("],\"event_timestamps\":[").append(timestamps)
          .append("]}");
    }
    out.append("]}");
    return out.toString();
  }

  private static boolean comma(StringBuilder out, boolean first) {
    if (!first) {
      out.append(',');
    }
    return false;
  }

  private static void repeat(StringBuilder out, String item, int n) {
    for (int i = 0; i < n; i++) {
      if (i > 0) {
        out.append(',');
      }
      out.append(item);
    }
  }

  private static Map<String, Object> parse(byte[] body) {
    Object tree;
    try {
      tree = JsonTree.parse(body);
    } catch (HttpError e) {
      throw FeastError.invalid("json_invalid", null, "JSON decode error: " + e.getMessage());
    }
    if (!(tree instanceof Map<?, ?>)) {
      throw FeastError.invalid("model_attributes_type", null, "Input should be a valid dictionary or object");
    }
    return JsonTree.object(tree, "the request");
  }

  @Override
  public HttpAnswer error(Throwable failure) {
    return switch (failure) {
      case FeastError e -> new HttpAnswer(e.status, e.body());
      case HttpError e -> new FeastError(e.status, "needle", e.code.name(), e.getMessage()).answer();
      case NeedleException e -> new FeastError(HttpError.status(e.code()), "needle", e.code().name(),
          HttpError.message(e)).answer();
      case IllegalArgumentException e -> new FeastError(400, "needle", "INVALID_ARGUMENT", e.getMessage()).answer();
      default -> new FeastError(500, "needle", "INTERNAL", "internal error: " + failure).answer();
    };
  }

  /** An error in the feature server's forms (see the class comment); a caller's mistake, logged by no one. */
  static final class FeastError extends HttpError {
    private static final long serialVersionUID = 1L;

    final String module;
    final String type; // the Python class, or FastAPI's validation error type
    final String field; // for a 422: the body field, or null for the body itself

    FeastError(int status, String module, String type, String message) {
      this(status, module, type, null, message);
    }

    private FeastError(int status, String module, String type, String field, String message) {
      super(status, status == 404 ? NeedleException.Code.NOT_FOUND : status == 413
          ? NeedleException.Code.RESOURCE_EXHAUSTED : NeedleException.Code.INVALID_ARGUMENT, message);
      this.module = module;
      this.type = type;
      this.field = field;
    }

    /** FastAPI's 422 for a body that does not fit the request model. */
    static FeastError invalid(String type, String field, String message) {
      return new FeastError(422, null, type, field, message);
    }

    HttpAnswer answer() {
      return new HttpAnswer(status, body());
    }

    String body() {
      StringBuilder out = new StringBuilder(128);
      if (module == null) {
        out.append("{\"detail\":[{\"type\":");
        ValueJson.appendString(out, type);
        out.append(",\"loc\":[\"body\"");
        if (field != null) {
          out.append(',');
          ValueJson.appendString(out, field);
        }
        out.append("],\"msg\":");
        ValueJson.appendString(out, getMessage());
        return out.append("}]}").toString();
      }
      // Python's json.dumps of {"module","class","message"}, returned as a JSON string.
      StringBuilder detail = new StringBuilder(128);
      detail.append("{\"module\": ");
      ValueJson.appendString(detail, module);
      detail.append(", \"class\": ");
      ValueJson.appendString(detail, type);
      detail.append(", \"message\": ");
      ValueJson.appendString(detail, getMessage());
      detail.append('}');
      ValueJson.appendString(out, detail.toString());
      return out.toString();
    }
  }

  /** Feature values in the JSON Feast's feature server writes (see the class comment). */
  static final class FeastValues {
    private static final ValueJson<Row> ROWS = new ValueJson<>(Row.class, new ValueJson.StructAccessor<>() {
      @Override
      public int size(Row row) {
        return row.size();
      }

      @Override
      public String name(Row row, int index) {
        return row.name(index);
      }

      @Override
      public Object value(Row row, int index) {
        return row.get(index);
      }
    });

    private FeastValues() {}

    static void append(StringBuilder out, Object value) {
      switch (value) {
        case null -> out.append("null");
        case Float f -> number(out, f.doubleValue());
        case Double d -> number(out, d);
        case byte[] b -> out.append('"').append(Base64.getEncoder().encodeToString(b)).append('"');
        case Instant i -> out.append(i.getEpochSecond());
        case List<?> list -> {
          out.append('[');
          for (int k = 0; k < list.size(); k++) {
            if (k > 0) {
              out.append(',');
            }
            append(out, list.get(k));
          }
          out.append(']');
        }
        default -> ROWS.appendValue(out, value); // ints, booleans, strings, structs, maps: docs/values.md
      }
    }

    /** As Python's json writes a float: its shortest repr, NaN and infinities bare. */
    private static void number(StringBuilder out, double d) {
      if (Double.isNaN(d)) {
        out.append("NaN");
      } else if (Double.isInfinite(d)) {
        out.append(d > 0 ? "Infinity" : "-Infinity");
      } else {
        out.append(d);
      }
    }
  }
}
