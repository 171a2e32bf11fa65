package io.needle.worker;

/**
 * How a worker protects its ports: the lookup port as given here; its HTTP port (TLS when its
 * {@code HttpConfig} asks, with this context) and the HTTP requests' authentication follow.
 *
 * <p>A class, not a record: its two ways to give the policy (a fixed {@link AuthConfig}, or a
 * {@link ServerAuth} that reloads its file) would be overloads that a {@code null} policy could
 * not choose between.
 */
public final class WorkerSecurity {
  private final ServerTls tls;
  private final int tlsPort;
  private final ServerAuth auth;

  /**
   * @param tls the TLS context (shared with the HTTP ports), or null for plaintext only; its owner
   *     closes it after the worker
   * @param tlsPort with {@code tls}: -1 serves TLS on the worker's port and nothing in plaintext;
   *     a port (0 = any free one) serves TLS there and plaintext on the worker's port as well
   * @param auth the tokens and policy clients are checked against on every port, fixed, or null
   *     to let every client read every table under the roots
   */
  public WorkerSecurity(ServerTls tls, int tlsPort, AuthConfig auth) {
    this(auth == null ? null : ServerAuth.of(auth), tls, tlsPort);
  }

  private WorkerSecurity(ServerAuth auth, ServerTls tls, int tlsPort) {
    if (tlsPort < -1 || tlsPort > 65535) {
      throw new IllegalArgumentException("tlsPort out of range: " + tlsPort);
    }
    if (tls == null && tlsPort != -1) {
      throw new IllegalArgumentException("a TLS port needs a TLS certificate and key");
    }
    this.tls = tls;
    this.tlsPort = tlsPort;
    this.auth = auth;
  }

  /**
   * As the constructor, with a policy that may change while the worker runs (its owner closes
   * {@code auth} after the worker).
   */
  public static WorkerSecurity of(ServerTls tls, int tlsPort, ServerAuth auth) {
    return new WorkerSecurity(auth, tls, tlsPort);
  }

  /** Plaintext, no authentication: the default, for a worker reachable only by trusted clients. */
  public static WorkerSecurity none() {
    return new WorkerSecurity(null, -1, (AuthConfig) null);
  }

  /** The TLS context, or null for plaintext only. */
  public ServerTls tls() {
    return tls;
  }

  /** -1: TLS only on the worker's port (with {@link #tls}); else the TLS port beside plaintext. */
  public int tlsPort() {
    return tlsPort;
  }

  /** The policy clients are checked against, or null when every client may read everything. */
  public ServerAuth auth() {
    return auth;
  }

  /** True when the worker's own port speaks TLS (and plaintext is refused there). */
  boolean tlsOnMainPort() {
    return tls != null && tlsPort == -1;
  }
}
