package io.needle.worker.http;

import java.time.Duration;

import static java.util.Objects.requireNonNull;

/**
 * The worker's HTTP/JSON port ({@code serve --http-port}).
 *
 * @param bindHost address to listen on
 * @param port TCP port, 0 for any free one
 * @param maxBodyBytes largest request body accepted (413 beyond); bounds every allocation a
 *     request can cause before it is validated
 * @param maxKeysPerCall keys (or Feast entity rows) per call, at most (413 beyond)
 * @param maxColumnsPerCall columns (or Feast features) per call, at most (413 beyond)
 * @param readTimeout a connection that sends nothing for this long is closed
 * @param lookupThreads threads that run lookups, decode pages and write JSON, off the event loops
 * @param queuedCalls calls waiting for such a thread, at most (503 UNAVAILABLE beyond)
 * @param tls serve TLS with the worker's certificate (and client CA), refusing plaintext; needs a
 *     worker started with TLS
 */
public record HttpConfig(String bindHost, int port, int maxBodyBytes, int maxKeysPerCall, int maxColumnsPerCall,
    Duration readTimeout, int lookupThreads, int queuedCalls, boolean tls) {

  public HttpConfig {
    requireNonNull(bindHost, "bindHost is null");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("HTTP port out of range: " + port);
    }
    positive("maxBodyBytes", maxBodyBytes);
    positive("maxKeysPerCall", maxKeysPerCall);
    positive("maxColumnsPerCall", maxColumnsPerCall);
    positive("lookupThreads", lookupThreads);
    positive("queuedCalls", queuedCalls);
    requireNonNull(readTimeout, "readTimeout is null");
    if (readTimeout.isNegative() || readTimeout.isZero()) {
      throw new IllegalArgumentException("readTimeout must be positive: " + readTimeout);
    }
  }

  /** 1 MiB bodies, 10,000 keys and 1,000 columns per call, 30 s idle connections, 2 threads per core, plaintext. */
  public static HttpConfig defaults(String bindHost, int port) {
    return new HttpConfig(bindHost, port, 1 << 20, 10_000, 1_000, Duration.ofSeconds(30),
        2 * Runtime.getRuntime().availableProcessors(), 1_024, false);
  }

  /** The same, with TLS on or off. */
  public HttpConfig withTls(boolean newTls) {
    return new HttpConfig(bindHost, port, maxBodyBytes, maxKeysPerCall, maxColumnsPerCall, readTimeout, lookupThreads,
        queuedCalls, newTls);
  }

  public HttpConfig withLimits(int newMaxBodyBytes, int newMaxKeysPerCall, int newMaxColumnsPerCall) {
    return new HttpConfig(bindHost, port, newMaxBodyBytes, newMaxKeysPerCall, newMaxColumnsPerCall, readTimeout,
        lookupThreads, queuedCalls, tls);
  }

  private static void positive(String name, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive: " + value);
    }
  }
}
