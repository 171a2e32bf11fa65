package io.needle.bench;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * {@code needle bench --s3}: the table is served by an S3-protocol server on loopback instead of
 * read from local files, and every request to that server waits {@code requestLatency} before its
 * first byte (S3 Standard's time to first byte is of the order of 20 ms), so the "versus S3"
 * ratios are not those of a loopback store that answers in microseconds.
 *
 * @param requestLatency injected before the first byte of every S3 request; zero for none
 */
public record S3Options(Duration requestLatency) {
  public S3Options {
    requireNonNull(requestLatency, "requestLatency is null");
    if (requestLatency.isNegative()) {
      throw new IllegalArgumentException("requestLatency must not be negative: " + requestLatency);
    }
  }
}
