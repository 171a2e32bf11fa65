package io.needle.bench.s3;

import static java.util.Objects.requireNonNull;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The smallest S3-protocol server that lets the worker's real S3 path run on loopback with no
 * account ({@code needle demo --s3}, {@code needle bench --s3}): one bucket of local files,
 * path-style ListObjectsV2 (one page) and ranged GET with If-Match. It does not check
 * signatures, so it binds 127.0.0.1 only; tests of S3 behaviour use S3Proxy, a complete
 * implementation that is too heavy (about 170 jars) for the CLI.
 *
 * <p>Latency: every request waits {@code requestLatency} after it arrived and before its status
 * line is sent, the way S3's time to first byte comes before any of the body (S3 Standard: tens
 * of milliseconds). The wait is measured against {@link System#nanoTime()}, so no request is
 * answered sooner. Requests run on virtual threads: waiting requests hold no platform thread and
 * do not queue behind each other, as they would not on S3.
 *
 * <p>Objects are served from their files, read per request (a 1M-row table is not copied into
 * the heap); a file must not change while it is served under its key ({@link #put} it again).
 */
public final class LoopbackS3Server implements AutoCloseable {
  private record StoredObject(Path file, long size, String etag) {}

  private final String bucket;
  private final long latencyNanos;
  private final NavigableMap<String, StoredObject> objects = new ConcurrentSkipListMap<>();
  private final AtomicLong getRequests = new AtomicLong();
  private final AtomicLong objectBytes = new AtomicLong();
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final HttpServer server;

  /** Starts serving {@code bucket} on an ephemeral loopback port, each request delayed by {@code requestLatency}. */
  public LoopbackS3Server(String bucket, Duration requestLatency) throws IOException {
    this.bucket = requireNonNull(bucket, "bucket is null");
    if (requestLatency.isNegative()) {
      throw new IllegalArgumentException("requestLatency must not be negative: " + requestLatency);
    }
    this.latencyNanos = requestLatency.toNanos();
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  /** A server without injected latency. */
  public LoopbackS3Server(String bucket) throws IOException {
    this(bucket, Duration.ZERO);
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  public String bucket() {
    return bucket;
  }

  /** Object GETs answered so far (listings not counted). */
  public long getRequests() {
    return getRequests.get();
  }

  /** Object bytes sent in answers to GETs so far (headers and listings not counted). */
  public long objectBytes() {
    return objectBytes.get();
  }

  /** Serves {@code file} as {@code key} (replacing what was there), with its MD5 as the ETag, as S3 does. */
  public void put(String key, Path file) throws IOException {
    MessageDigest md5;
    try {
      md5 = MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("no MD5", e);
    }
    long size;
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), md5)) {
      size = in.transferTo(OutputStream.nullOutputStream());
    }
    objects.put(key, new StoredObject(file, size, "\"" + HexFormat.of().formatHex(md5.digest()) + "\""));
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      awaitLatency(System.nanoTime());
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
      getRequests.incrementAndGet();
      get(exchange, URLDecoder.decode(path.substring(prefix.length() + 1), StandardCharsets.UTF_8));
    } catch (RuntimeException e) {
      send(exchange, 500, error("InternalError"));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void awaitLatency(long arrivedNanos) throws InterruptedException {
    long left;
    while ((left = arrivedNanos + latencyNanos - System.nanoTime()) > 0) {
      Thread.sleep(Duration.ofNanos(left));
    }
  }

  private void get(HttpExchange exchange, String key) throws IOException {
    StoredObject object = objects.get(key);
    if (object == null) {
      send(exchange, 404, error("NoSuchKey"));
      return;
    }
    String ifMatch = exchange.getRequestHeaders().getFirst("If-Match");
    if (ifMatch != null && !ifMatch.equals(object.etag())) {
      send(exchange, 412, error("PreconditionFailed"));
      return;
    }
    exchange.getResponseHeaders().set("ETag", object.etag());
    String range = exchange.getRequestHeaders().getFirst("Range");
    if (range == null) {
      sendObject(exchange, 200, read(object.file(), 0, object.size()));
      return;
    }
    String[] ends = range.substring("bytes=".length()).split("-");
    long first = Long.parseLong(ends[0]);
    long last = Math.min(object.size() - 1, Long.parseLong(ends[1]));
    if (first > last) {
      send(exchange, 416, error("InvalidRange"));
      return;
    }
    exchange.getResponseHeaders().set("Content-Range", "bytes " + first + "-" + last + "/" + object.size());
    sendObject(exchange, 206, read(object.file(), first, last - first + 1));
  }

  private static byte[] read(Path file, long position, long length) throws IOException {
    if (length > Integer.MAX_VALUE - 8) {
      throw new IOException("range too large for this server: " + length + " bytes");
    }
    ByteBuffer body = ByteBuffer.allocate((int) length);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      while (body.hasRemaining()) {
        if (ch.read(body, position + body.position()) < 0) {
          throw new IOException(file + " is shorter than when it was put");
        }
      }
    }
    return body.array();
  }

  private void list(HttpExchange exchange, String prefix) throws IOException {
    StringBuilder xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
        + "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>" + bucket + "</Name><Prefix>")
        .append(escape(prefix)).append("</Prefix><IsTruncated>false</IsTruncated>");
    int count = 0;
    for (Map.Entry<String, StoredObject> e : objects.tailMap(prefix, true).entrySet()) {
      if (!e.getKey().startsWith(prefix)) {
        break;
      }
      count++;
      xml.append("<Contents><Key>").append(escape(e.getKey())).append("</Key><Size>").append(e.getValue().size())
          .append("</Size><ETag>").append(escape(e.getValue().etag())).append("</ETag></Contents>");
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

  private void sendObject(HttpExchange exchange, int status, byte[] body) throws IOException {
    send(exchange, status, body);
    objectBytes.addAndGet(body.length);
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
    executor.shutdownNow();
  }
}
