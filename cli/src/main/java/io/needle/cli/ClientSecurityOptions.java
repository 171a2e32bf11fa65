package io.needle.cli;

import io.needle.client.ClientTls;
import io.needle.client.NeedleClient;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** How a command reaches workers that require TLS, a client certificate or a token (a picocli mixin). */
final class ClientSecurityOptions {
  @Option(names = "--tls-ca", description = "Talk TLS to the workers, trusting the CA certificates in this PEM file.")
  Path tlsCa;

  @Option(names = "--tls-cert", description = "Client certificate (PEM chain) for mTLS; with --tls-key.")
  Path tlsCert;

  @Option(names = "--tls-key", description = "Private key of --tls-cert (PKCS#8 PEM).")
  Path tlsKey;

  @Option(names = "--tls-verify-hostname", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Check that each worker's certificate names the host or IP dialled. Default: ${DEFAULT-VALUE}")
  boolean tlsVerifyHostname;

  @Option(names = "--token-file", description = "File holding a bearer token, sent once per connection "
      + "(surrounding whitespace ignored). Use with TLS: on plaintext the token can be read on the way.")
  Path tokenFile;

  /** The TLS settings, or null for plaintext. */
  ClientTls tls() {
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new IllegalArgumentException("--tls-cert and --tls-key go together");
    }
    return tlsCa == null && tlsCert == null ? null : ClientTls.fromPem(tlsCa, tlsCert, tlsKey, tlsVerifyHostname);
  }

  /** The token, or null. */
  String token() throws IOException {
    if (tokenFile == null) {
      return null;
    }
    String token = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
    if (token.isEmpty()) {
      throw new IllegalArgumentException("--token-file " + tokenFile + " is empty");
    }
    return token;
  }

  /** Applies these options to a client builder. */
  NeedleClient.Builder applyTo(NeedleClient.Builder builder) throws IOException {
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new IllegalArgumentException("--tls-cert and --tls-key go together");
    }
    if (tlsCa != null) {
      builder.tlsCa(tlsCa);
    }
    if (tlsCert != null) {
      builder.tlsClientCertificate(tlsCert, tlsKey);
    }
    if (tlsCa != null || tlsCert != null) {
      builder.tlsVerifyHostname(tlsVerifyHostname);
    }
    String token = token();
    if (token != null) {
      builder.token(token);
    }
    return builder;
  }
}
