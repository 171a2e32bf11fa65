package io.needle.worker;

import io.netty.channel.Channel;

/**
 * The worker's {@link AuthConfig} for its HTTP ports: the same tokens, client certificate
 * identities and grants as the lookup port. A request names its token in {@code Authorization:
 * Bearer TOKEN}; without that header, the connection's client certificate identifies it. A
 * token that is sent and wrong is refused even beside a good certificate: a wrong credential is
 * never overlooked. Each request is checked against the policy in force when it arrives (see
 * {@link ServerAuth}); an expired token, or one whose audience leaves this worker out, is refused
 * as an unknown one.
 */
public final class HttpAuth {
  private static final String BEARER = "Bearer ";

  private final ServerAuth auth;
  private final String workerName;

  HttpAuth(ServerAuth auth, String workerName) {
    this.auth = auth;
    this.workerName = workerName;
  }

  /**
   * Who sends a request on {@code channel} with this {@code Authorization} header value (null
   * when absent); null when nothing identifies the caller (answer 401).
   */
  public Caller caller(Channel channel, String authorization) {
    AccessGate gate = auth.gate(); // one policy for the whole request
    String principal;
    if (authorization != null) {
      if (!authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
        return null;
      }
      principal = gate.principalOfToken(AccessGate.digest(authorization.substring(BEARER.length()).strip()),
          workerName, System.currentTimeMillis());
    } else {
      principal = gate.principalOfCertificate(channel);
    }
    return principal == null ? null : new Caller(gate, principal);
  }

  /** An authenticated caller of the HTTP port. */
  public static final class Caller {
    private final AccessGate gate;
    private final String principal;

    private Caller(AccessGate gate, String principal) {
      this.gate = gate;
      this.principal = principal;
    }

    /** The principal ({@code token:NAME}, a SPIFFE ID or DNS name), safe to print. */
    public String principal() {
      return TableScope.printable(principal);
    }

    /** True when this caller may look up rows of {@code tableUri}. */
    public boolean mayLookup(String tableUri) {
      return gate.mayLookup(principal, tableUri);
    }
  }
}
