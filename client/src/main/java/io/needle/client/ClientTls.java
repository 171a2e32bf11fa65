package io.needle.client;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * The client side of TLS to the workers, built once from PEM files: a Netty context for the
 * event-loop connections (BoringSSL when netty-tcnative is on the class path, else the JDK) and a
 * JDK context for the blocking sockets of {@link BlockingCalls}. Both check the worker's
 * certificate against the given CA and, unless turned off, its name or IP against the address
 * dialled; both present the client certificate when one is given (mTLS).
 */
public final class ClientTls {
  private final SslContext netty;
  private final SSLContext blocking;
  private final boolean verifyHostname;

  private ClientTls(SslContext netty, SSLContext blocking, boolean verifyHostname) {
    this.netty = netty;
    this.blocking = blocking;
    this.verifyHostname = verifyHostname;
  }

  /**
   * Loads the files once.
   *
   * @param caFile CA certificates the workers' certificates chain to (PEM), or null for the JDK's
   * @param certificateFile the client certificate chain (PEM) for mTLS, or null
   * @param keyFile its PKCS#8 PEM private key, or null
   * @throws IllegalArgumentException naming the files when they do not load
   */
  public static ClientTls fromPem(Path caFile, Path certificateFile, Path keyFile, boolean verifyHostname) {
    try {
      return new ClientTls(builder(caFile, certificateFile, keyFile, verifyHostname).build(),
          ((JdkSslContext) builder(caFile, certificateFile, keyFile, verifyHostname).sslProvider(SslProvider.JDK).build())
              .context(), verifyHostname);
    } catch (SSLException | RuntimeException e) {
      throw new IllegalArgumentException("TLS: cannot load " + (caFile == null ? "" : "CA " + caFile + " ")
          + (certificateFile == null ? "" : "certificate " + certificateFile + " key " + keyFile + " ")
          + "(PEM expected; the key as PKCS#8 'BEGIN PRIVATE KEY'): " + e.getMessage(), e);
    }
  }

  private static SslContextBuilder builder(Path caFile, Path certificateFile, Path keyFile, boolean verifyHostname) {
    SslContextBuilder b = SslContextBuilder.forClient().protocols("TLSv1.3", "TLSv1.2")
        .endpointIdentificationAlgorithm(verifyHostname ? "HTTPS" : null);
    if (caFile != null) {
      b.trustManager(caFile.toFile());
    }
    if (certificateFile != null) {
      b.keyManager(certificateFile.toFile(), keyFile.toFile());
    }
    return b;
  }

  /**
   * The JDK context of these settings (the CA to trust, the client certificate), for other
   * clients of the workers, such as {@code java.net.http.HttpClient} on their HTTP ports.
   */
  public SSLContext sslContext() {
    return blocking;
  }

  /** The handler to install first in a connection to {@code host:port}. */
  SslHandler newHandler(ByteBufAllocator alloc, String host, int port) {
    return netty.newHandler(alloc, host, port);
  }

  /** Connects a blocking TLS socket and completes the handshake (for one-off tools; lookups use {@link NeedleClient}). */
  public Socket connect(InetSocketAddress address, int timeoutMillis) throws IOException {
    SSLSocket socket = (SSLSocket) blocking.getSocketFactory().createSocket();
    try {
      socket.setTcpNoDelay(true);
      socket.connect(address, timeoutMillis);
      socket.setSoTimeout(timeoutMillis);
      if (verifyHostname) {
        SSLParameters p = socket.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        socket.setSSLParameters(p);
      }
      socket.startHandshake();
      return socket;
    } catch (IOException | RuntimeException e) {
      socket.close();
      throw e;
    }
  }
}
