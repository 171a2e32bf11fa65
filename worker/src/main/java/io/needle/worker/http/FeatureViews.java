package io.needle.worker.http;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * Feast feature views served from Needle tables ({@code serve --feature-views FILE}): a JSON
 * object of view name to
 *
 * <pre>{@code
 * {"table": "file:///data/driver_stats", "join_key": "driver_id",
 *  "event_timestamp_column": "event_timestamp",
 *  "features": {"conv_rate": "conv_rate", "trips": "avg_daily_trips"}}
 * }</pre>
 *
 * <p>{@code features} maps each Feast feature name to its column; {@code event_timestamp_column}
 * is optional (without it every value's event timestamp is the epoch, and the last row of a key
 * wins).
 */
public record FeatureViews(Map<String, View> views) {
  /** One feature view: a table looked up by its join key. */
  public record View(String name, String tableUri, String joinKey, String eventTimestampColumn,
      Map<String, String> features) {
    public View {
      requireNonNull(name, "name is null");
      requireNonNull(tableUri, "tableUri is null");
      requireNonNull(joinKey, "joinKey is null");
      features = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(features));
    }
  }

  public FeatureViews {
    views = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(views));
  }

  public static FeatureViews none() {
    return new FeatureViews(Map.of());
  }

  /** @throws IllegalArgumentException naming the file and the view for anything malformed */
  public static FeatureViews parse(Path file) throws IOException {
    Map<String, View> out = new LinkedHashMap<>();
    try {
      Map<String, Object> root = JsonTree.object(JsonTree.parse(Files.readAllBytes(file)), "the file");
      for (Map.Entry<String, Object> e : root.entrySet()) {
        Map<String, Object> v = JsonTree.object(e.getValue(), "view " + e.getKey());
        Map<String, String> features = new LinkedHashMap<>();
        for (Map.Entry<String, Object> f : JsonTree.object(v.get("features"), "\"features\"").entrySet()) {
          if (!(f.getValue() instanceof String column) || column.isEmpty()) {
            throw HttpError.badRequest("feature " + f.getKey() + " must name a column");
          }
          features.put(f.getKey(), column);
        }
        Object ts = v.get("event_timestamp_column");
        if (ts != null && !(ts instanceof String)) {
          throw HttpError.badRequest("\"event_timestamp_column\" must be a string");
        }
        out.put(e.getKey(), new View(e.getKey(), JsonTree.string(v, "table"), JsonTree.string(v, "join_key"),
            (String) ts, features));
      }
    } catch (HttpError e) {
      throw new IllegalArgumentException("feature views file " + file + ": " + e.getMessage());
    }
    return new FeatureViews(out);
  }

  /** The columns a lookup for {@code features} of {@code view} reads: the features', then the timestamp. */
  static List<String> columns(View view, List<String> features) {
    java.util.LinkedHashSet<String> out = new java.util.LinkedHashSet<>();
    for (String f : features) {
      out.add(view.features().get(f));
    }
    if (view.eventTimestampColumn() != null) {
      out.add(view.eventTimestampColumn());
    }
    return List.copyOf(out);
  }
}
