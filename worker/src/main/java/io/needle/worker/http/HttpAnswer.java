package io.needle.worker.http;

import io.needle.client.NeedleException;
import io.needle.decode.ValueJson;

/** A JSON response body and its HTTP status. */
record HttpAnswer(int status, String json) {
  static HttpAnswer ok(String json) {
    return new HttpAnswer(200, json);
  }

  /** {@code {"error":{"code":"NOT_FOUND","message":"…"}}}: the Java API's error codes over HTTP. */
  static HttpAnswer error(int status, NeedleException.Code code, String message) {
    StringBuilder out = new StringBuilder(64 + message.length());
    out.append("{\"error\":{\"code\":\"").append(code.name()).append("\",\"message\":");
    ValueJson.appendString(out, message);
    out.append("}}");
    return new HttpAnswer(status, out.toString());
  }
}
