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
 * Checks who a connection is and what it may ask, from an {@link AuthConfig}; one per worker,
 * one {@link Session} per connection. Answers never name a table: a refused client learns
 * nothing about what the worker serves.
 */
final class AccessGate {
  private static final int SAN_DNS = 2;
  private static final int SAN_URI = 6;

  private final byte[][] tokenDigests;
  private final String[] tokenPrincipals;
  private final Map<String, Rights> rights = new HashMap<>();

  AccessGate(AuthConfig config) {
    tokenDigests = new byte[config.tokens().size()][];
    tokenPrincipals = new String[config.tokens().size()];
    for (int i = 0; i < tokenDigests.length; i++) {
      AuthConfig.Token t = config.tokens().get(i);
      tokenDigests[i] = HexFormat.of().parseHex(t.sha256().substring("sha256:".length()));
      tokenPrincipals[i] = t.principal();
    }
    for (Policy.Grant g : config.policy().grants()) {
      List<TablePrefix> prefixes = new ArrayList<>();
      for (String p : g.tablePrefixes()) {
        prefixes.add(TablePrefix.parse(p));
      }
      rights.put(g.principal(), new Rights(List.copyOf(prefixes), g.describe(), g.refresh()));
    }
  }

  Session session() {
    return new Session();
  }

  /**
   * The principal of {@code token}, or null. Every configured digest is compared, each in
   * constant time, so the time taken says nothing about which digest came close.
   */
  String principalOfToken(String token) {
    byte[] digest;
    try {
      digest = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every JDK has SHA-256", e);
    }
    String found = null;
    for (int i = 0; i < tokenDigests.length; i++) {
      if (MessageDigest.isEqual(digest, tokenDigests[i]) && found == null) {
        found = tokenPrincipals[i];
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

  /** One connection's identity; used on its event loop only. */
  final class Session {
    private boolean certificateChecked;
    private String principal; // null until authenticated
    private Rights granted;   // null: nothing allowed
    private String lastLookupUri = ""; // the last table a lookup was allowed on (skips re-parsing)

    private Session() {}

    /** Null when {@code request} may go on to the service, else what to answer. */
    Verdict admit(Channel channel, Request request) {
      if (!certificateChecked) {
        certificateChecked = true;
        principal = principalOfCertificate(channel);
        granted = principal == null ? null : rights.get(principal);
      }
      long id = request.getRequestId();
      if (request.getBodyCase() == Request.BodyCase.AUTHENTICATE) {
        if (granted != null) {
          return refuse(id, ErrorCode.INVALID_ARGUMENT, "this connection is authenticated already", false);
        }
        String tokenPrincipal = principalOfToken(request.getAuthenticate().getToken());
        if (tokenPrincipal == null) {
          return refuse(id, ErrorCode.UNAUTHENTICATED, "token not accepted", true);
        }
        principal = tokenPrincipal;
        granted = rights.get(tokenPrincipal);
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

    private Verdict refuse(long requestId, ErrorCode code, String message, boolean close) {
      return new Verdict(Response.newBuilder().setRequestId(requestId)
          .setError(Error.newBuilder().setCode(code).setMessage(message)).build(), close);
    }
  }
}
