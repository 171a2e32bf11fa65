package io.needle.cli;

import io.needle.protocol.proto.ErrorCode;
import io.needle.protocol.proto.FileDescription;
import io.needle.protocol.proto.RefreshRequest;
import io.needle.protocol.proto.Request;
import io.needle.protocol.proto.Response;
import io.needle.client.ClientTls;
import io.needle.protocol.proto.AuthenticateRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code needle refresh}: asks each worker to list a table again now (the Refresh RPC) and
 * prints the files it now serves. A plain blocking exchange of one request frame per worker.
 */
@Command(name = "refresh", mixinStandardHelpOptions = true, description = "Make workers list a table again now (new, changed and deleted files; "
    + "incremental on S3) and print its files.")
final class RefreshCommand implements Callable<Integer> {
  @Option(names = "--worker", required = true, split = ",", description = "Worker HOST:PORT; repeatable or comma-separated.")
  List<String> workers;

  @Option(names = "--table", required = true, description = "Table URI (s3://bucket/prefix, file:///dir) or local path.")
  String table;

  @Option(names = "--timeout", defaultValue = "30s", description = "Deadline per worker. Default: ${DEFAULT-VALUE}")
  Duration timeout;

  @Mixin
  ClientSecurityOptions security;

  private ClientTls tls;
  private String token;

  @Override
  public Integer call() throws Exception {
    String uri = TableUris.normalize(table);
    tls = security.tls();
    token = security.token();
    int failures = 0;
    for (String worker : workers) {
      Response response;
      try {
        response = exchange(worker, uri);
      } catch (IOException e) {
        System.err.println(worker + ": " + e.getMessage());
        failures++;
        continue;
      }
      if (response.hasError() && response.getError().getCode() != ErrorCode.ERROR_CODE_UNSPECIFIED) {
        System.err.println(worker + ": " + response.getError().getCode() + ": " + response.getError().getMessage());
        failures++;
        continue;
      }
      System.out.println(worker + ": " + response.getRefresh().getFilesCount() + " files");
      for (FileDescription f : response.getRefresh().getFilesList()) {
        System.out.println("  " + f.getPath() + "\t" + f.getSizeBytes() + " bytes\t" + f.getVersion());
      }
    }
    return failures == 0 ? 0 : 1;
  }

  private Response exchange(String worker, String uri) throws IOException {
    int colon = worker.lastIndexOf(':');
    if (colon <= 0) {
      throw new IOException("worker must be HOST:PORT: " + worker);
    }
    int timeoutMillis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
    InetSocketAddress address = new InetSocketAddress(worker.substring(0, colon), Integer.parseInt(worker.substring(colon + 1)));
    try (Socket socket = tls != null ? tls.connect(address, timeoutMillis) : new Socket()) {
      if (tls == null) {
        socket.connect(address, timeoutMillis);
        socket.setSoTimeout(timeoutMillis);
      }
      OutputStream out = socket.getOutputStream();
      DataInputStream in = new DataInputStream(socket.getInputStream());
      if (token != null) {
        Response auth = exchange(worker, out, in, Request.newBuilder().setRequestId(1)
            .setAuthenticate(AuthenticateRequest.newBuilder().setToken(token)).build());
        if (auth.hasError()) {
          return auth;
        }
      }
      return exchange(worker, out, in, Request.newBuilder().setRequestId(2).setTimeoutMicros(timeout.toNanos() / 1000)
          .setRefresh(RefreshRequest.newBuilder().setTableUri(uri)).build());
    }
  }

  private static Response exchange(String worker, OutputStream out, DataInputStream in, Request request) throws IOException {
    byte[] header = request.toByteArray();
    out.write(ByteBuffer.allocate(8 + header.length).putInt(4 + header.length).putInt(header.length).put(header).array());
    out.flush();
    int frameLength = in.readInt();
    int headerLength = in.readInt();
    if (headerLength < 0 || frameLength < 4 + headerLength || frameLength > (64 << 20)) {
      throw new IOException("malformed response frame from " + worker);
    }
    byte[] responseHeader = new byte[headerLength];
    in.readFully(responseHeader);
    in.skipNBytes(frameLength - 4L - headerLength);
    return Response.parseFrom(responseHeader);
  }
}
