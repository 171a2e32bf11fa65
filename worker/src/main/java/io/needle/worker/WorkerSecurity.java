package io.needle.worker;

/**
 * How a worker protects its ports: the lookup port as given here; its HTTP port (TLS when its
 * {@code HttpConfig} asks, with this context) and the HTTP requests' authentication follow.
 *
 * @param tls the TLS context (shared with the HTTP ports), or null for plaintext only; its owner
 *     closes it after the worker
 * @param tlsPort with {@code tls}: -1 serves TLS on the worker's port and nothing in plaintext;
 *     a port (0 = any free one) serves TLS there and plaintext on the worker's port as well
 * @param auth the tokens and policy clients are checked against on every port, or null to let
 *     every client read every table under the roots
 */
public record WorkerSecurity(ServerTls tls, int tlsPort, AuthConfig auth) {
  public WorkerSecurity {
    if (tlsPort < -1 || tlsPort > 65535) {
      throw new IllegalArgumentException("tlsPort out of range: " + tlsPort);
    }
    if (tls == null && tlsPort != -1) {
      throw new IllegalArgumentException("a TLS port needs a TLS certificate and key");
    }
  }

  /** Plaintext, no authentication: the default, for a worker reachable only by trusted clients. */
  public static WorkerSecurity none() {
    return new WorkerSecurity(null, -1, null);
  }

  /** True when the worker's own port speaks TLS (and plaintext is refused there). */
  boolean tlsOnMainPort() {
    return tls != null && tlsPort == -1;
  }
}
