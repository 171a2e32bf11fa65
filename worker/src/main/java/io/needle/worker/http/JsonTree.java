package io.needle.worker.http;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A request body parsed into plain values: {@code Map} (insertion-ordered), {@code List},
 * {@code String}, {@code Long} / {@code BigInteger} for integral numbers, {@code Double} for the
 * others, {@code Boolean}, {@code null}. Jackson's streaming parser does the parsing.
 *
 * <p>Why a tree: bodies are at most {@link HttpConfig#maxBodyBytes} and requests are small, so a
 * tree bounded by the body is simpler than a streaming validator and costs nothing that matters;
 * nesting is bounded too (a request is at most three levels deep).
 */
final class JsonTree {
  private static final int MAX_DEPTH = 16;
  private static final JsonFactory FACTORY = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
      .build();

  private JsonTree() {}

  /** @throws HttpError 400 with the parser's message for anything that is not one JSON value */
  static Object parse(byte[] body) {
    try (JsonParser p = FACTORY.createParser(ObjectReadContext.empty(), body)) {
      JsonToken first = p.nextToken();
      if (first == null) {
        throw HttpError.badRequest("malformed JSON: the body is empty");
      }
      Object value = value(p, first);
      if (p.nextToken() != null) {
        throw HttpError.badRequest("malformed JSON: more than one value in the body");
      }
      return value;
    } catch (JacksonException e) {
      throw HttpError.badRequest("malformed JSON: " + e.getOriginalMessage());
    }
  }

  private static Object value(JsonParser p, JsonToken token) {
    return switch (token) {
      case START_OBJECT -> {
        Map<String, Object> out = new LinkedHashMap<>();
        for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
          String name = p.currentName();
          out.put(name, value(p, p.nextToken()));
        }
        yield out;
      }
      case START_ARRAY -> {
        List<Object> out = new ArrayList<>();
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
          out.add(value(p, t));
        }
        yield out;
      }
      case VALUE_STRING -> p.getString();
      case VALUE_NUMBER_INT -> {
        BigInteger big = p.getBigIntegerValue();
        yield big.bitLength() < 64 ? (Object) big.longValue() : big;
      }
      case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
      case VALUE_TRUE -> Boolean.TRUE;
      case VALUE_FALSE -> Boolean.FALSE;
      case VALUE_NULL -> null;
      default -> throw HttpError.badRequest("malformed JSON: unexpected " + token);
    };
  }

  // Typed access to request fields, each failing with a 400 that names the field.

  static Map<String, Object> object(Object value, String what) {
    if (!(value instanceof Map<?, ?> map)) {
      throw HttpError.badRequest(what + " must be a JSON object, not " + kind(value));
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> m = (Map<String, Object>) map;
    return m;
  }

  static String string(Map<String, Object> object, String field) {
    Object v = object.get(field);
    if (!(v instanceof String s) || s.isEmpty()) {
      throw HttpError.badRequest("\"" + field + "\" must be a non-empty string, not " + kind(v));
    }
    return s;
  }

  /** The list at {@code field}, or {@code absent} when the field is missing or null. */
  static List<Object> list(Map<String, Object> object, String field, List<Object> absent) {
    Object v = object.get(field);
    if (v == null) {
      if (absent == null) {
        throw HttpError.badRequest("\"" + field + "\" is required");
      }
      return absent;
    }
    if (!(v instanceof List<?> list)) {
      throw HttpError.badRequest("\"" + field + "\" must be an array, not " + kind(v));
    }
    @SuppressWarnings("unchecked")
    List<Object> l = (List<Object>) list;
    return l;
  }

  static List<String> strings(Map<String, Object> object, String field, List<Object> absent) {
    List<Object> values = list(object, field, absent);
    List<String> out = new ArrayList<>(values.size());
    for (Object v : values) {
      if (!(v instanceof String s) || s.isEmpty()) {
        throw HttpError.badRequest("\"" + field + "\" must hold non-empty strings, not " + kind(v));
      }
      out.add(s);
    }
    return out;
  }

  static String kind(Object v) {
    return switch (v) {
      case null -> "null";
      case Map<?, ?> m -> "an object";
      case List<?> l -> "an array";
      case String s -> "a string";
      case Boolean b -> "a boolean";
      default -> "a number";
    };
  }
}
