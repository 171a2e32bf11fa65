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
 * @param reloadInterval how often the files' contents are checked for a change
 * @param handshakeTimeout a connection whose TLS handshake has not completed this long after it
 *     was accepted is closed (a client that starts a handshake and stalls holds nothing longer)
 * @param provider which TLS implementation serves
 */
public record TlsConfig(
    Path certificateChainFile,
    Path privateKeyFile,
    Path clientCaFile,
    ClientCertificate clientCertificate,
    Duration reloadInterval,
    Duration handshakeTimeout,
    Provider provider) {

  /** Whether clients present certificates (only meaningful with a client CA). */
  public enum ClientCertificate { REQUIRED, OPTIONAL }

  /** BoringSSL through netty-tcnative when its native library loads, else the JDK's; or one of them. */
  public enum Provider { AUTO, OPENSSL, JDK }

  public TlsConfig {
    requireNonNull(certificateChainFile, "certificateChainFile is null");
    requireNonNull(privateKeyFile, "privateKeyFile is null");
    requireNonNull(clientCertificate, "clientCertificate is null");
    requireNonNull(provider, "provider is null");
    positive("reloadInterval", reloadInterval);
    positive("handshakeTimeout", handshakeTimeout);
  }

  /** Server-only TLS, files checked for changes every 10 seconds, handshakes bounded by 10 seconds. */
  public static TlsConfig server(Path certificateChainFile, Path privateKeyFile) {
    return new TlsConfig(certificateChainFile, privateKeyFile, null, ClientCertificate.REQUIRED, Duration.ofSeconds(10),
        Duration.ofSeconds(10), Provider.AUTO);
  }

  /** The same with client certificates checked against {@code caFile}. */
  public TlsConfig withClientCa(Path caFile, ClientCertificate mode) {
    return new TlsConfig(certificateChainFile, privateKeyFile, caFile, mode, reloadInterval, handshakeTimeout, provider);
  }

  /** The same without client certificates (a health port that kubelets probe over HTTPS). */
  public TlsConfig withoutClientCa() {
    return new TlsConfig(certificateChainFile, privateKeyFile, null, ClientCertificate.REQUIRED, reloadInterval,
        handshakeTimeout, provider);
  }

  public TlsConfig withReloadInterval(Duration interval) {
    return new TlsConfig(certificateChainFile, privateKeyFile, clientCaFile, clientCertificate, interval,
        handshakeTimeout, provider);
  }

  public TlsConfig withHandshakeTimeout(Duration timeout) {
    return new TlsConfig(certificateChainFile, privateKeyFile, clientCaFile, clientCertificate, reloadInterval,
        timeout, provider);
  }

  public TlsConfig withProvider(Provider newProvider) {
    return new TlsConfig(certificateChainFile, privateKeyFile, clientCaFile, clientCertificate, reloadInterval,
        handshakeTimeout, newProvider);
  }

  private static void positive(String name, Duration d) {
    requireNonNull(d, name + " is null");
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive: " + d);
    }
  }
}
