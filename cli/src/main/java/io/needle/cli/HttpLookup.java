package io.needle.cli;

import io.needle.client.ClientTls;
import io.needle.client.NeedleException;
import io.needle.client.Row;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.json.JsonFactory;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code needle lookup --http URL}: the same lookup through a worker's HTTP port
 * ({@code POST /v1/lookup}). Keys go as strings, parsed by the key column's type on the worker as
 * {@code --key} text is; rows come back in the worker's JSON, printed as they are.
 */
final class HttpLookup {
  private static final JsonFactory JSON = JsonFactory.builder().build();

  private HttpLookup() {}

  /** Each row's JSON text, key by key in input order (a repeated key's rows again). */
  /**
   * @param tls with an https URL: the CA to trust and the client certificate, or null for the JDK's CAs
   * @param token sent as {@code Authorization: Bearer}, or null
   */
  static List<String> rows(String baseUrl, String table, String keyColumn, List<String> keys, List<String> columns,
      Duration timeout, ClientTls tls, String token) throws IOException, InterruptedException {
    URI url = URI.create(baseUrl.replaceAll("/+$", "") + "/v1/lookup");
    if (tls != null && !"https".equalsIgnoreCase(url.getScheme())) {
      throw new IllegalArgumentException("--tls-ca and --tls-cert talk TLS: give --http https://HOST:PORT");
    }
    StringBuilder body = new StringBuilder("{\"table\":");
    io.needle.decode.ValueJson.appendString(body, table);
    body.append(",\"key_column\":");
    io.needle.decode.ValueJson.appendString(body, keyColumn);
    body.append(",\"keys\":[");
    for (int i = 0; i < keys.size(); i++) {
      body.append(i == 0 ? "" : ",");
      io.needle.decode.ValueJson.appendString(body, keys.get(i));
    }
    body.append("],\"columns\":[");
    for (int i = 0; i < columns.size(); i++) {
      body.append(i == 0 ? "" : ",");
      io.needle.decode.ValueJson.appendString(body, columns.get(i));
    }
    body.append("]}");
    HttpClient.Builder client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
    if (tls != null) {
      client.sslContext(tls.sslContext()); // the JDK's HttpClient always checks the host name
    }
    HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(timeout.isZero() ? Duration.ofDays(1) : timeout)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    HttpResponse<byte[]> response;
    try (HttpClient http = client.build()) {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }
    byte[] answer = response.body();
    if (response.statusCode() != 200) {
      throw error(response.statusCode(), answer);
    }
    // Every object two levels under "results"[i]."rows" is a row: cut its text out as sent.
    List<String> rows = new ArrayList<>();
    try (JsonParser p = JSON.createParser(ObjectReadContext.empty(), answer)) {
      int depth = 0;
      for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
        if (t == JsonToken.START_OBJECT && depth == 4) {
          long start = p.currentTokenLocation().getByteOffset();
          p.skipChildren();
          long end = p.currentLocation().getByteOffset();
          rows.add(new String(answer, (int) start, (int) (end - start), StandardCharsets.UTF_8));
          continue;
        }
        if (t.isStructStart()) {
          depth++;
        } else if (t.isStructEnd()) {
          depth--;
        }
      }
    }
    return rows;
  }

  /** A row's top-level fields for the table format: scalars as Java values, anything nested as its JSON. */
  static Row row(String json) {
    List<String> names = new ArrayList<>();
    List<Object> values = new ArrayList<>();
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    try (JsonParser p = JSON.createParser(ObjectReadContext.empty(), bytes)) {
      p.nextToken();
      while (p.nextToken() == JsonToken.PROPERTY_NAME) {
        names.add(p.currentName());
        JsonToken t = p.nextToken();
        values.add(switch (t) {
          case VALUE_STRING -> p.getString();
          case VALUE_NUMBER_INT -> p.getNumberValue();
          case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
          case VALUE_TRUE -> Boolean.TRUE;
          case VALUE_FALSE -> Boolean.FALSE;
          case VALUE_NULL -> null;
          default -> {
            long start = p.currentTokenLocation().getByteOffset();
            p.skipChildren();
            long end = p.currentLocation().getByteOffset();
            yield new String(bytes, (int) start, (int) (end - start), StandardCharsets.UTF_8);
          }
        });
      }
    }
    return Row.of(names.toArray(String[]::new), values.toArray());
  }

  private static NeedleException error(int status, byte[] body) {
    String text = new String(body, StandardCharsets.UTF_8);
    try (JsonParser p = JSON.createParser(ObjectReadContext.empty(), body)) {
      String code = null;
      String message = null;
      for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
        if (t == JsonToken.VALUE_STRING && "code".equals(p.currentName())) {
          code = p.getString();
        } else if (t == JsonToken.VALUE_STRING && "message".equals(p.currentName())) {
          message = p.getString();
        }
      }
      if (code != null && message != null) {
        return new NeedleException(NeedleException.Code.valueOf(code), message);
      }
    } catch (RuntimeException notOurs) {
      // not a Needle error body: report the status and text below
    }
    return new NeedleException(status == 503 ? NeedleException.Code.UNAVAILABLE : NeedleException.Code.INTERNAL,
        "HTTP " + status + ": " + text);
  }
}
