package io.needle.worker;

import java.nio.file.Path;
import java.time.Duration;

import static java.util.Objects.requireNonNull;

/**
 * Where a server's TLS material lives, as PEM files (what a Kubernetes {@code kubernetes.io/tls}
 * Secret or cert-manager mounts). {@link ServerTls} loads them and reloads them when they change.
 *
 * @param certificateChainFile the server certificate, then its intermediates
 * @param privateKeyFile the server's private key, PKCS#8 ({@code BEGIN PRIVATE KEY}), unencrypted
 * @param clientCaFile CA certificates that client certificates must chain to (mTLS), or null for
 *     server-only TLS
 * @param clientCertificate with a client CA: whether a client must present a certificate, or may
 *     come without one and authenticate with a token instead
 * @param reloadInterval how often the files' modification times are checked
 */
public record TlsConfig(
    Path certificateChainFile,
    Path privateKeyFile,
    Path clientCaFile,
    ClientCertificate clientCertificate,
    Duration reloadInterval) {

  /** Whether clients present certificates (only meaningful with a client CA). */
  public enum ClientCertificate { REQUIRED, OPTIONAL }

  public TlsConfig {
    requireNonNull(certificateChainFile, "certificateChainFile is null");
    requireNonNull(privateKeyFile, "privateKeyFile is null");
    requireNonNull(clientCertificate, "clientCertificate is null");
    requireNonNull(reloadInterval, "reloadInterval is null");
    if (reloadInterval.isNegative() || reloadInterval.isZero()) {
      throw new IllegalArgumentException("reloadInterval must be positive: " + reloadInterval);
    }
  }

  /** Server-only TLS, files checked for changes every 10 seconds. */
  public static TlsConfig server(Path certificateChainFile, Path privateKeyFile) {
    return new TlsConfig(certificateChainFile, privateKeyFile, null, ClientCertificate.REQUIRED, Duration.ofSeconds(10));
  }

  /** The same with client certificates checked against {@code caFile}. */
  public TlsConfig withClientCa(Path caFile, ClientCertificate mode) {
    return new TlsConfig(certificateChainFile, privateKeyFile, caFile, mode, reloadInterval);
  }

  public TlsConfig withReloadInterval(Duration interval) {
    return new TlsConfig(certificateChainFile, privateKeyFile, clientCaFile, clientCertificate, interval);
  }
}
