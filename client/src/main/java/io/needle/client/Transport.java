package io.needle.client;

import io.needle.protocol.Frame;
import io.needle.protocol.proto.Request;

import java.util.concurrent.CompletableFuture;

/**
 * Carries one request to a worker and brings its response frame back: the seam below the
 * client's call pipeline (routing, failover, describe caching, decoding all stay above it).
 * Over the network that is a pooled Netty connection or a blocking socket; an in-process worker
 * ({@code needle-embedded}) implements it by calling the worker's request handling directly.
 *
 * <p>Contract: the returned frame's header is a serialized {@code Response} with the request's
 * id, and its payload holds the answer's pages; the client releases the frame exactly once. A
 * transport may complete on any thread, including the caller's.
 */
public interface Transport extends AutoCloseable {
  CompletableFuture<Frame> call(Request request);

  /** Releases what the transport holds (an in-process worker); called once by {@link NeedleClient#close()}. */
  @Override
  default void close() {}
}
