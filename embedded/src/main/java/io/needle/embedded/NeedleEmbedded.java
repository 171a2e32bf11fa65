package io.needle.embedded;

import io.needle.client.NeedleClient;
import io.needle.client.Transport;
import io.needle.protocol.Frame;
import io.needle.protocol.proto.Request;
import io.needle.worker.Worker;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * Needle in the caller's JVM: the same {@link NeedleClient} / {@code Table} API, answered by a
 * worker in this process, with no socket.
 *
 * <pre>{@code
 * try (NeedleClient needle = NeedleEmbedded.open(EmbeddedConfig.of(List.of(Path.of("/data"))))) {
 *   List<Row> rows = needle.table("file:///data/users", "user_id").lookup(42L, List.of("country"));
 * }
 * }</pre>
 *
 * <p>The client's call pipeline is unchanged (describe caching, key pruning, decoding, the CRC32C
 * check and refetch); only its transport differs: each request goes to {@link Worker#call}, which
 * plans with the worker's metadata cache and copies the pages (from the files or the page store)
 * into the response frame. Closing the client closes the worker.
 */
public final class NeedleEmbedded {
  private NeedleEmbedded() {}

  public static NeedleClient open(EmbeddedConfig config) throws IOException {
    Worker worker = Worker.startInProcess(config.worker(), config.pageStore(), config.s3());
    try {
      return NeedleClient.builder().transport(new WorkerTransport(worker)).requestTimeout(config.requestTimeout())
          .build();
    } catch (RuntimeException e) {
      worker.close();
      throw e;
    }
  }

  /** The client's transport seam, implemented by the worker's own request handling. */
  private record WorkerTransport(Worker worker) implements Transport {
    @Override
    public CompletableFuture<Frame> call(Request request) {
      return worker.call(request);
    }

    @Override
    public void close() {
      worker.close();
    }
  }
}
