package io.needle.testing.tls;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Real certificates made in the test: a CA, and server and client certificates it signs, with
 * the SANs a deployment would have (IP and DNS for workers, a SPIFFE URI for a workload). EC
 * P-256 keys, written as PEM the way a Kubernetes TLS Secret holds them (the key as PKCS#8).
 */
public final class TestPki {
  private static final AtomicLong SERIALS = new AtomicLong(System.nanoTime() & 0xFFFF_FFFFL);

  /** A certificate and its key, and the PEM files holding them. */
  public record Issued(X509Certificate certificate, KeyPair keys, Path certificateFile, Path keyFile) {
    public BigInteger serial() {
      return certificate.getSerialNumber();
    }
  }

  private TestPki() {}

  public static Issued ca(Path dir, String name) throws Exception {
    KeyPair keys = keyPair();
    X500Name subject = new X500Name("CN=" + name);
    X509v3CertificateBuilder b = builder(subject, subject, keys);
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    return write(dir, name, sign(b, keys), keys);
  }

  /** A worker certificate for 127.0.0.1 and localhost. */
  public static Issued server(Path dir, String name, Issued ca) throws Exception {
    return leaf(dir, name, ca, KeyPurposeId.id_kp_serverAuth,
        new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost"));
  }

  /** A client certificate whose identity is {@code uriSan} (a SPIFFE ID), or a DNS SAN when it has no scheme. */
  public static Issued client(Path dir, String name, Issued ca, String san) throws Exception {
    GeneralName identity = san.contains(":") ? new GeneralName(GeneralName.uniformResourceIdentifier, san)
        : new GeneralName(GeneralName.dNSName, san);
    return leaf(dir, name, ca, KeyPurposeId.id_kp_clientAuth, identity);
  }

  /**
   * A client certificate as {@link #client} makes it, but valid only from {@code notBefore} to
   * {@code notAfter} and for {@code purpose} (an expired, a not yet valid, a server-only one).
   */
  static Issued client(Path dir, String name, Issued ca, String san, Instant notBefore, Instant notAfter,
      KeyPurposeId purpose) throws Exception {
    return leaf(dir, name, ca, purpose, notBefore, notAfter, new GeneralName(GeneralName.uniformResourceIdentifier, san));
  }

  private static Issued leaf(Path dir, String name, Issued ca, KeyPurposeId purpose, GeneralName... sans)
      throws Exception {
    Instant now = Instant.now();
    return leaf(dir, name, ca, purpose, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(2)), sans);
  }

  private static Issued leaf(Path dir, String name, Issued ca, KeyPurposeId purpose, Instant notBefore,
      Instant notAfter, GeneralName... sans) throws Exception {
    KeyPair keys = keyPair();
    X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
        new X500Name(ca.certificate().getSubjectX500Principal().getName()),
        BigInteger.valueOf(SERIALS.incrementAndGet()), Date.from(notBefore), Date.from(notAfter),
        new X500Name("CN=" + name), keys.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
    b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
    b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans));
    return write(dir, name, sign(b, ca.keys()), keys);
  }

  private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys) {
    Instant now = Instant.now();
    return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIALS.incrementAndGet()),
        Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(2))), subject, keys.getPublic());
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair signer) throws Exception {
    return new JcaX509CertificateConverter().getCertificate(
        b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
  }

  private static KeyPair keyPair() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(256);
    return g.generateKeyPair();
  }

  private static Issued write(Path dir, String name, X509Certificate cert, KeyPair keys) throws Exception {
    Path certFile = dir.resolve(name + ".crt");
    Path keyFile = dir.resolve(name + ".key");
    writePem(certFile, List.of(pem("CERTIFICATE", cert.getEncoded())));
    writePem(keyFile, List.of(pem("PRIVATE KEY", keys.getPrivate().getEncoded()))); // PKCS#8
    return new Issued(cert, keys, certFile, keyFile);
  }

  /** Replaces {@code target} with the PEM blocks at once (write aside, then move), as a Secret update does. */
  static void writePem(Path target, List<String> blocks) throws IOException {
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    Files.writeString(tmp, String.join("", blocks), StandardCharsets.US_ASCII);
    Files.move(tmp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }
}
