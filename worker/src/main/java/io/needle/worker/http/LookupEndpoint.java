package io.needle.worker.http;

import io.needle.client.NeedleException;
import io.needle.client.Row;
import io.needle.client.Table;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * {@code POST /v1/lookup}: {@code {"table","key_column","keys","columns"}} answered as
 *
 * <pre>{@code {"results":[{"key":<key as sent>,"rows":[<row>,...]},...]}}</pre>
 *
 * <p>one result per key sent, in the order sent (a key sent twice is answered twice), an absent
 * key with {@code "rows":[]}; rows in the JSON form of docs/values.md, in the Java client's order
 * (by file path, then position in the file), holding exactly {@code columns} in that order, or
 * every column when {@code columns} is absent or empty.
 */
final class LookupEndpoint implements Endpoint {
  private static final Set<String> FIELDS = Set.of("table", "key_column", "keys", "columns");

  private final HttpConfig config;
  private final BiFunction<String, String, Table> tables;

  LookupEndpoint(HttpConfig config, BiFunction<String, String, Table> tables) {
    this.config = config;
    this.tables = tables;
  }

  @Override
  public HttpAnswer answer(byte[] body, TableAccess access) {
    Map<String, Object> request = JsonTree.object(JsonTree.parse(body), "the request");
    for (String field : request.keySet()) {
      if (!FIELDS.contains(field)) {
        throw HttpError.badRequest("unknown field \"" + field + "\" (expected " + FIELDS + ")");
      }
    }
    String uri = JsonTree.string(request, "table");
    String keyColumn = JsonTree.string(request, "key_column");
    List<Object> keys = JsonTree.list(request, "keys", null);
    List<String> columns = JsonTree.strings(request, "columns", List.of());
    if (keys.size() > config.maxKeysPerCall()) {
      throw HttpError.tooLarge(keys.size() + " keys in one call; at most " + config.maxKeysPerCall());
    }
    if (columns.size() > config.maxColumnsPerCall()) {
      throw HttpError.tooLarge(columns.size() + " columns in one call; at most " + config.maxColumnsPerCall());
    }
    access.check(uri);
    Table table = tables.apply(uri, keyColumn);
    List<Object> javaKeys = Keys.toJava(table, keys, "keys");
    Map<Object, List<Row>> rows = table.lookupAll(javaKeys, columns);
    StringBuilder out = new StringBuilder(64 + 64 * keys.size()); // keys.size() is within maxKeysPerCall
    out.append("{\"results\":[");
    for (int i = 0; i < keys.size(); i++) {
      out.append(i == 0 ? "{\"key\":" : ",{\"key\":");
      Keys.appendJson(out, keys.get(i));
      out.append(",\"rows\":[");
      List<Row> found = rows.get(javaKeys.get(i));
      for (int r = 0; r < found.size(); r++) {
        if (r > 0) {
          out.append(',');
        }
        found.get(r).appendJson(out);
      }
      out.append("]}");
    }
    out.append("]}");
    return HttpAnswer.ok(out.toString());
  }

  @Override
  public HttpAnswer error(Throwable failure) {
    return switch (failure) {
      case HttpError e -> HttpAnswer.error(e.status, e.code, e.getMessage());
      case NeedleException e -> HttpAnswer.error(HttpError.status(e.code()), e.code(), HttpError.message(e));
      case IllegalArgumentException e -> HttpAnswer.error(400, NeedleException.Code.INVALID_ARGUMENT, e.getMessage());
      default -> HttpAnswer.error(500, NeedleException.Code.INTERNAL, "internal error: " + failure);
    };
  }
}
