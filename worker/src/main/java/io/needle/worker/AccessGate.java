package io.needle.worker;

import io.needle.protocol.proto.AuthenticateResponse;
import io.needle.protocol.proto.Error;
import io.needle.protocol.proto.ErrorCode;
import io.needle.protocol.proto.Request;
import io.needle.protocol.proto.Response;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Who a connection is and what it may ask, under one {@link AuthConfig}: built once per policy
 * (at start and at each reload, by {@link ServerAuth}) and immutable; one {@link Session} per
 * connection. Answers never name a table: a refused client learns nothing about what the worker
 * serves, and an expired token, a token for another worker and an unknown token get the same
 * answer.
 */
final class AccessGate {
  private static final int SAN_DNS = 2;
  private static final int SAN_URI = 6;

  private final byte[][] tokenDigests;
  private final AuthConfig.Token[] tokens;
  private final long[] tokenNotAfterMillis; // Long.MAX_VALUE: no expiry
  private final Map<String, Rights> rights = new HashMap<>();

  AccessGate(AuthConfig config) {
    tokenDigests = new byte[config.tokens().size()][];
    tokens = config.tokens().toArray(AuthConfig.Token[]::new);
    tokenNotAfterMillis = new long[tokens.length];
    for (int i = 0; i < tokenDigests.length; i++) {
      tokenDigests[i] = HexFormat.of().parseHex(tokens[i].sha256().substring("sha256:".length()));
      tokenNotAfterMillis[i] = tokens[i].expires() == null ? Long.MAX_VALUE : tokens[i].expires().toEpochMilli();
    }
    for (Policy.Grant g : config.policy().grants()) {
      List<TablePrefix> prefixes = new ArrayList<>();
      for (String p : g.tablePrefixes()) {
        prefixes.add(TablePrefix.parse(p));
      }
      rights.put(g.principal(), new Rights(List.copyOf(prefixes), g.describe(), g.refresh()));
    }
  }

  /** The SHA-256 of a token as sent: what is compared, and all a session keeps of it. */
  static byte[] digest(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every JDK has SHA-256", e);
    }
  }

  /**
   * The principal of the token with this digest, or null when no token has it, it has expired at
   * {@code nowMillis}, or a worker named {@code workerName} is not in its audience. Every
   * configured digest is compared, each in constant time, so the time taken says nothing about
   * which digest came close.
   */
  String principalOfToken(byte[] digest, String workerName, long nowMillis) {
    int found = tokenIndex(digest);
    if (found < 0 || nowMillis >= tokenNotAfterMillis[found] || !tokens[found].accepts(workerName)) {
      return null;
    }
    return tokens[found].principal();
  }

  /** When the token with this digest expires (epoch millis; Long.MAX_VALUE: never). */
  long notAfterMillis(byte[] digest) {
    int found = tokenIndex(digest);
    return found < 0 ? Long.MIN_VALUE : tokenNotAfterMillis[found];
  }

  private int tokenIndex(byte[] digest) {
    int found = -1;
    for (int i = 0; i < tokenDigests.length; i++) {
      if (MessageDigest.isEqual(digest, tokenDigests[i]) && found < 0) {
        found = i;
      }
    }
    return found;
  }

  /**
   * The principal of the channel's client certificate: its first identity that the policy
   * grants something, else its first identity (known, but granted nothing); null without one.
   */
  String principalOfCertificate(Channel channel) {
    List<String> identities = certificateIdentities(channel);
    for (String id : identities) {
      if (rights.containsKey(id)) {
        return id;
      }
    }
    return identities.isEmpty() ? null : identities.get(0);
  }

  /** True when {@code principal} may look up rows of {@code tableUri} (the HTTP ports' check). */
  boolean mayLookup(String principal, String tableUri) {
    Rights r = rights.get(principal);
    return r != null && r.covers(tableUri);
  }

  /** The identities of the client certificate, URI SANs (SPIFFE IDs) first, then DNS SANs. */
  static List<String> certificateIdentities(Channel channel) {
    SslHandler ssl = channel.pipeline().get(SslHandler.class);
    if (ssl == null) {
      return List.of();
    }
    Certificate[] chain;
    try {
      chain = ssl.engine().getSession().getPeerCertificates();
    } catch (SSLPeerUnverifiedException e) {
      return List.of(); // no client certificate
    }
    if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
      return List.of();
    }
    List<String> uris = new ArrayList<>();
    List<String> names = new ArrayList<>();
    try {
      Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> san : sans) {
          if (san.size() >= 2 && san.get(1) instanceof String value && !value.startsWith("token:")) {
            int type = (Integer) san.get(0);
            if (type == SAN_URI) {
              uris.add(value);
            } else if (type == SAN_DNS) {
              names.add(value);
            }
          }
        }
      }
    } catch (CertificateParsingException e) {
      return List.of();
    }
    uris.addAll(names);
    return uris;
  }

  /** What one principal may do. */
  private record Rights(List<TablePrefix> prefixes, boolean describe, boolean refresh) {
    boolean covers(String tableUri) {
      for (TablePrefix p : prefixes) {
        if (p.covers(tableUri)) {
          return true;
        }
      }
      return false;
    }
  }

  /** A refusal (or the answer to Authenticate): write {@code answer}, then close if asked. */
  record Verdict(Response answer, boolean close) {}

  /**
   * One connection's identity; used on its event loop only. Each request is checked against the
   * policy current when it arrives: after a reload the principal is found again (a token by its
   * digest, a certificate by its identities) and the new grants apply from the next request on,
   * on connections open before the reload as on new ones. A token removed, rotated or expired
   * ends its connections' rights: their next request is answered UNAUTHENTICATED and the
   * connection closed, as if the token had been wrong from the start.
   */
  static final class Session {
    private final ServerAuth auth;
    private final String workerName;
    private AccessGate gate;  // the policy the state below was found under; null before the first request
    private byte[] tokenDigest; // non-null once a token authenticated the connection
    private long tokenNotAfterMillis = Long.MAX_VALUE;
    private String principal; // null until authenticated
    private Rights granted;   // null: nothing allowed
    private String lastLookupUri = ""; // the last table a lookup was allowed on (skips re-parsing)

    Session(ServerAuth auth, String workerName) {
      this.auth = auth;
      this.workerName = workerName;
    }

    /** Null when {@code request} may go on to the service, else what to answer. */
    Verdict admit(Channel channel, Request request) {
      long id = request.getRequestId();
      AccessGate current = auth.gate();
      if (current != gate) { // the first request, or the policy was reloaded since the last one
        gate = current;
        lastLookupUri = "";
        if (tokenDigest == null) {
          principal = gate.principalOfCertificate(channel);
        } else {
          principal = gate.principalOfToken(tokenDigest, workerName, System.currentTimeMillis());
          tokenNotAfterMillis = gate.notAfterMillis(tokenDigest);
          if (principal == null) {
            return refuse(id, ErrorCode.UNAUTHENTICATED, "token not accepted", true);
          }
        }
        granted = principal == null ? null : gate.rights.get(principal);
      }
      if (tokenDigest != null && System.currentTimeMillis() >= tokenNotAfterMillis) {
        return refuse(id, ErrorCode.UNAUTHENTICATED, "token not accepted", true); // it expired on this connection
      }
      if (request.getBodyCase() == Request.BodyCase.AUTHENTICATE) {
        if (granted != null) {
          return refuse(id, ErrorCode.INVALID_ARGUMENT, "this connection is authenticated already", false);
        }
        byte[] digest = digest(request.getAuthenticate().getToken());
        String tokenPrincipal = gate.principalOfToken(digest, workerName, System.currentTimeMillis());
        if (tokenPrincipal == null) {
          return refuse(id, ErrorCode.UNAUTHENTICATED, "token not accepted", true);
        }
        tokenDigest = digest;
        tokenNotAfterMillis = gate.notAfterMillis(digest);
        principal = tokenPrincipal;
        granted = gate.rights.get(tokenPrincipal);
        return new Verdict(Response.newBuilder().setRequestId(id)
            .setAuthenticate(AuthenticateResponse.newBuilder().setPrincipal(principal)).build(), false);
      }
      if (principal == null) {
        return refuse(id, ErrorCode.UNAUTHENTICATED,
            "authentication required: present a client certificate or send a token first", true);
      }
      boolean allowed = switch (request.getBodyCase()) {
        case HEALTH, BODY_NOT_SET -> true;
        case LOOKUP -> lookupAllowed(request.getLookup().getTableUri());
        case DESCRIBE -> granted != null && granted.describe() && granted.covers(request.getDescribe().getTableUri());
        case REFRESH -> granted != null && granted.refresh() && granted.covers(request.getRefresh().getTableUri());
        case AUTHENTICATE -> throw new AssertionError("answered above");
      };
      return allowed ? null
          : refuse(id, ErrorCode.PERMISSION_DENIED, TableScope.printable(principal) + " may not make this request on this table", false);
    }

    private boolean lookupAllowed(String tableUri) {
      if (granted == null) {
        return false;
      }
      if (tableUri.equals(lastLookupUri)) {
        return true;
      }
      if (granted.covers(tableUri)) {
        lastLookupUri = tableUri;
        return true;
      }
      return false;
    }

    private static Verdict refuse(long requestId, ErrorCode code, String message, boolean close) {
      return new Verdict(Response.newBuilder().setRequestId(requestId)
          .setError(Error.newBuilder().setCode(code).setMessage(message)).build(), close);
    }
  }
}
