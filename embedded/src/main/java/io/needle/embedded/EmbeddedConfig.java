package io.needle.embedded;

import io.needle.pagestore.PageStoreConfig;
import io.needle.worker.S3Config;
import io.needle.worker.WorkerConfig;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * An in-process Needle: the worker's settings (roots, limits, metadata cache; its bind address
 * and port are unused), an optional page store and S3 roots, and the client's call deadline.
 *
 * @param pageStore the page store's directory and size, or null to read pages from the files
 * @param s3 S3 roots and how to reach them, or null; needs a page store
 * @param requestTimeout deadline of one call (zero: none)
 */
public record EmbeddedConfig(WorkerConfig worker, PageStoreConfig pageStore, S3Config s3, Duration requestTimeout) {
  public EmbeddedConfig {
    requireNonNull(worker, "worker is null");
    requireNonNull(requestTimeout, "requestTimeout is null");
  }

  /** Tables under {@code roots}, no page store, the worker's default limits, a 10 s deadline. */
  public static EmbeddedConfig of(List<Path> roots) {
    return new EmbeddedConfig(WorkerConfig.defaults("127.0.0.1", 0, roots), null, null, Duration.ofSeconds(10));
  }

  public EmbeddedConfig withPageStore(PageStoreConfig store) {
    return new EmbeddedConfig(worker, store, s3, requestTimeout);
  }
}
