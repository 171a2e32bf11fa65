package io.needle.worker;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A server's TLS context, kept current with its PEM files: any Netty server pipeline (the lookup
 * port, the HTTP ports) installs {@link #newHandler} first, and each new connection gets the
 * context of the files as they were at the last check. Connections already open keep theirs.
 *
 * <p>BoringSSL (netty-tcnative) when its native library loads, else the JDK's provider. The files
 * are {@link WatchedFiles}, checked every {@link TlsConfig#reloadInterval}: a changed set that
 * does not load (a key written before its certificate, say) keeps the old context and is tried
 * again at the next check, so a rotation never takes the port down.
 */
public final class ServerTls implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ServerTls.class);

  private static final long MAX_PEM_BYTES = 1 << 20;
  private static final String PKCS8_BEGIN = "-----BEGIN PRIVATE KEY-----";
  private static final String PKCS8_END = "-----END PRIVATE KEY-----";

  /**
   * TLS 1.3's suites, and for TLS 1.2 only ECDHE key exchange (forward secrecy) with AEAD
   * ciphers: no static RSA, CBC, SHA-1 MACs, 3DES or RC4, which Netty's defaults still offer for
   * old clients. Every JDK and OpenSSL of the last decade has these.
   */
  static final List<String> CIPHERS = List.of(
      "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

  private final TlsConfig config;
  private final SslProvider provider;
  private final WatchedFiles<SslContext> context;

  private ServerTls(TlsConfig config, SslProvider provider) {
    this.config = config;
    this.provider = provider;
    List<Path> files = new ArrayList<>(3);
    for (Path p : new Path[] {config.certificateChainFile(), config.privateKeyFile(), config.clientCaFile()}) {
      if (p != null) {
        files.add(p);
      }
    }
    this.context = new WatchedFiles<>("TLS files", files, MAX_PEM_BYTES, config.reloadInterval(),
        () -> build(config, provider), "needle-tls-reload");
  }

  /**
   * Loads the files once and starts watching them.
   *
   * @throws IllegalArgumentException naming the file and what is wrong with it
   */
  public static ServerTls start(TlsConfig config) {
    SslProvider provider = switch (config.provider()) {
      case AUTO -> OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
      case JDK -> SslProvider.JDK;
      case OPENSSL -> {
        if (!OpenSsl.isAvailable()) {
          throw new IllegalArgumentException("TLS: the OpenSSL provider was asked for, but netty-tcnative does not "
              + "load here: " + OpenSsl.unavailabilityCause());
        }
        yield SslProvider.OPENSSL;
      }
    };
    ServerTls tls = new ServerTls(config, provider);
    log.info("TLS on ({}), certificate {}, client certificates {}", provider == SslProvider.OPENSSL
        ? "OpenSSL: " + OpenSsl.versionString() : "JDK provider", config.certificateChainFile(),
        config.clientCaFile() == null ? "not asked for" : config.clientCertificate().name().toLowerCase(java.util.Locale.ROOT)
            + ", checked against " + config.clientCaFile());
    return tls;
  }

  /**
   * A handler for a new connection, with the current context; install it first in the pipeline.
   * A handshake not done within {@link TlsConfig#handshakeTimeout} closes the connection.
   */
  public SslHandler newHandler(ByteBufAllocator alloc) {
    SslHandler handler = context.current().newHandler(alloc);
    handler.setHandshakeTimeout(config.handshakeTimeout().toNanos(), TimeUnit.NANOSECONDS);
    return handler;
  }

  /** The configuration it serves. */
  public TlsConfig config() {
    return config;
  }

  /** The current context (it changes when the files do). */
  public SslContext context() {
    return context.current();
  }

  /** True when BoringSSL serves, false for the JDK provider. */
  public boolean openSsl() {
    return provider == SslProvider.OPENSSL;
  }

  /** Times the files were loaded again after a change. */
  public long reloads() {
    return context.reloads();
  }

  @Override
  public void close() {
    context.close();
  }

  private static SslContext build(TlsConfig config, SslProvider provider) {
    try {
      X509Certificate[] chain = certificates(config.certificateChainFile());
      PrivateKey key = pkcs8Key(config.privateKeyFile(), chain[0].getPublicKey().getAlgorithm());
      checkPair(key, chain[0]);
      SslContextBuilder builder = SslContextBuilder.forServer(key, chain)
          .sslProvider(provider)
          .protocols("TLSv1.3", "TLSv1.2")
          .ciphers(CIPHERS, SupportedCipherSuiteFilter.INSTANCE);
      if (config.clientCaFile() != null) {
        builder.trustManager(certificates(config.clientCaFile())).clientAuth(
            config.clientCertificate() == TlsConfig.ClientCertificate.REQUIRED ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL);
      }
      return builder.build();
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      throw new IllegalArgumentException("TLS: cannot load certificate " + config.certificateChainFile() + " with key "
          + config.privateKeyFile() + (config.clientCaFile() == null ? "" : " and client CA " + config.clientCaFile())
          + ": " + e.getMessage(), e);
    }
  }

  private static X509Certificate[] certificates(Path pem) throws IOException, GeneralSecurityException {
    try (InputStream in = Files.newInputStream(pem)) {
      Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (certs.isEmpty()) {
        throw new CertificateException(pem + " holds no PEM certificate");
      }
      return certs.toArray(X509Certificate[]::new);
    } catch (CertificateException e) {
      throw new CertificateException(pem + " is not a PEM certificate chain (" + e.getMessage() + ")", e);
    }
  }

  private static PrivateKey pkcs8Key(Path pem, String algorithm) throws IOException, GeneralSecurityException {
    String text = Files.readString(pem, StandardCharsets.US_ASCII);
    int begin = text.indexOf(PKCS8_BEGIN);
    int end = text.indexOf(PKCS8_END);
    if (begin < 0 || end < begin) {
      throw new InvalidKeySpecException(pem + " holds no unencrypted PKCS#8 key ('" + PKCS8_BEGIN + "'; convert "
          + "with: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8)");
    }
    byte[] der = Base64.getMimeDecoder().decode(text.substring(begin + PKCS8_BEGIN.length(), end));
    return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
  }

  /** Signs with the key and verifies with the certificate: a key rotated before its certificate is caught here. */
  private static void checkPair(PrivateKey key, X509Certificate certificate) throws GeneralSecurityException {
    String algorithm = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      case "Ed25519", "EdDSA" -> "Ed25519";
      default -> null;
    };
    if (algorithm == null) {
      return; // BoringSSL checks the pair itself when it loads them
    }
    byte[] probe = "needle key check".getBytes(StandardCharsets.US_ASCII);
    Signature signer = Signature.getInstance(algorithm);
    signer.initSign(key);
    signer.update(probe);
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance(algorithm);
    verifier.initVerify(certificate.getPublicKey());
    verifier.update(probe);
    if (!verifier.verify(signature)) {
      throw new InvalidKeyException("the private key does not belong to the certificate");
    }
  }
}
