package io.needle.worker.http;

import io.needle.client.Table;
import io.needle.decode.ValueJson;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * JSON keys to the Java keys {@link Table#lookupAll} takes, and back to JSON for echoing.
 *
 * <p>An integral JSON number is a {@code Long}; a string (and any other number) is parsed by the
 * key column's type with {@link Table#parseKey}, as the CLI parses keys: dates, instants,
 * decimals, UUIDs, base64 for binary. Anything else is a 400 that names the key's position.
 */
final class Keys {
  private Keys() {}

  static List<Object> toJava(Table table, List<Object> jsonKeys, String what) {
    List<Object> out = new ArrayList<>(jsonKeys.size());
    for (int i = 0; i < jsonKeys.size(); i++) {
      Object k = jsonKeys.get(i);
      out.add(switch (k) {
        case Long l -> l;
        case String s -> table.parseKey(s);
        case BigInteger b -> table.parseKey(b.toString());
        case Double d -> table.parseKey(Double.toString(d));
        case null, default -> throw HttpError.badRequest(what + "[" + i + "] must be a number or a string, not "
            + JsonTree.kind(k));
      });
    }
    return out;
  }

  /** Appends a key exactly as JsonTree parsed it from the request. */
  static void appendJson(StringBuilder out, Object jsonKey) {
    if (jsonKey instanceof String s) {
      ValueJson.appendString(out, s);
    } else {
      out.append(jsonKey); // Long, BigInteger, Double: their toString is valid JSON
    }
  }
}
