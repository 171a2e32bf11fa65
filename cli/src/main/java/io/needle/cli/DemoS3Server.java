package io.needle.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executors;

/**
 * The smallest S3-protocol server that lets {@code needle demo --s3} run the worker's real S3
 * path on loopback with no account: one bucket held in memory, path-style ListObjectsV2 (one
 * page) and ranged GET with If-Match. It does not check signatures, so it binds 127.0.0.1 only
 * and exists for the demo alone; tests use S3Proxy, a complete implementation.
 */
final class DemoS3Server implements AutoCloseable {
  private final String bucket;
  private final NavigableMap<String, byte[]> objects = new ConcurrentSkipListMap<>();
  private final Map<String, String> etags = new HashMap<>();
  private final HttpServer server;

  DemoS3Server(String bucket) throws IOException {
    this.bucket = bucket;
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    server.createContext("/", this::handle);
    server.setExecutor(Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "demo-s3");
      t.setDaemon(true);
      return t;
    }));
    server.start();
  }

  URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  synchronized void put(String key, Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    try {
      etags.put(key, "\"" + HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes)) + "\"");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("no MD5", e);
    }
    objects.put(key, bytes);
  }

  private synchronized String etag(String key) {
    return etags.get(key);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getRawPath();
      String prefix = "/" + bucket;
      if (!exchange.getRequestMethod().equals("GET") || !path.startsWith(prefix)) {
        send(exchange, 400, error("InvalidRequest"));
        return;
      }
      if (path.equals(prefix) || path.equals(prefix + "/")) {
        list(exchange, query(exchange.getRequestURI().getRawQuery()).getOrDefault("prefix", ""));
        return;
      }
      String key = URLDecoder.decode(path.substring(prefix.length() + 1), StandardCharsets.UTF_8);
      byte[] bytes = objects.get(key);
      String etag = etag(key);
      if (bytes == null) {
        send(exchange, 404, error("NoSuchKey"));
        return;
      }
      String ifMatch = exchange.getRequestHeaders().getFirst("If-Match");
      if (ifMatch != null && !ifMatch.equals(etag)) {
        send(exchange, 412, error("PreconditionFailed"));
        return;
      }
      exchange.getResponseHeaders().set("ETag", etag);
      String range = exchange.getRequestHeaders().getFirst("Range");
      if (range == null) {
        send(exchange, 200, bytes);
        return;
      }
      String[] ends = range.substring("bytes=".length()).split("-");
      int first = Integer.parseInt(ends[0]);
      int last = Math.min(bytes.length - 1, Integer.parseInt(ends[1]));
      if (first > last) {
        send(exchange, 416, error("InvalidRange"));
        return;
      }
      exchange.getResponseHeaders().set("Content-Range", "bytes " + first + "-" + last + "/" + bytes.length);
      byte[] body = new byte[last - first + 1];
      System.arraycopy(bytes, first, body, 0, body.length);
      send(exchange, 206, body);
    } catch (RuntimeException e) {
      send(exchange, 500, error("InternalError"));
    }
  }

  private void list(HttpExchange exchange, String prefix) throws IOException {
    StringBuilder xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
        + "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>" + bucket + "</Name><Prefix>")
        .append(escape(prefix)).append("</Prefix><IsTruncated>false</IsTruncated>");
    int count = 0;
    for (Map.Entry<String, byte[]> e : objects.tailMap(prefix, true).entrySet()) {
      if (!e.getKey().startsWith(prefix)) {
        break;
      }
      count++;
      xml.append("<Contents><Key>").append(escape(e.getKey())).append("</Key><Size>").append(e.getValue().length)
          .append("</Size><ETag>").append(escape(etag(e.getKey()))).append("</ETag></Contents>");
    }
    xml.append("<KeyCount>").append(count).append("</KeyCount></ListBucketResult>");
    exchange.getResponseHeaders().set("Content-Type", "application/xml");
    send(exchange, 200, xml.toString().getBytes(StandardCharsets.UTF_8));
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> out = new HashMap<>();
    if (raw != null) {
      for (String pair : raw.split("&")) {
        int eq = pair.indexOf('=');
        String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
        out.put(name, eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  private static byte[] error(String code) {
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code + "</Code><Message>" + code
        + "</Message></Error>").getBytes(StandardCharsets.UTF_8);
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }

  private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }
}
