package io.needle.worker;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;

/**
 * Requests this worker sent to S3, by kind, and bytes asked for (for tests and the demo); and,
 * as meters, each request's outcome and latency: {@code needle_s3_request_seconds{kind, outcome}},
 * outcome {@code ok} or an {@link S3ReadException.Reason} (connection_refused, dns, timeout,
 * throttled, ...). Thread-safe.
 */
final class S3RequestCounter {
  private final LongAdder gets = new LongAdder();
  private final LongAdder getBytes = new LongAdder();
  private final LongAdder lists = new LongAdder();
  private final MeterRegistry registry;
  private final Timer getOk;
  private final Timer listOk;

  S3RequestCounter(MeterRegistry registry) {
    this.registry = registry;
    this.getOk = timer("get", "ok");
    this.listOk = timer("list", "ok");
  }

  void recordGet(long bytes) {
    gets.increment();
    getBytes.add(bytes);
  }

  void recordList() {
    lists.increment();
  }

  /** A GET that began at {@code startNanos} ended; {@code error} is null or what it failed with. */
  void getDone(long startNanos, Throwable error) {
    done(getOk, "get", startNanos, error);
  }

  void listDone(long startNanos, Throwable error) {
    done(listOk, "list", startNanos, error);
  }

  private void done(Timer ok, String kind, long startNanos, Throwable error) {
    long nanos = System.nanoTime() - startNanos;
    if (error == null) {
      ok.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
      return;
    }
    // Failures are rare: the timer is looked up (the registry keeps one per outcome).
    String outcome = TableService.unwrap(error) instanceof S3ReadException e ? e.reason().label() : "error";
    timer(kind, outcome).record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  private Timer timer(String kind, String outcome) {
    return Timer.builder("needle.s3.request").description("requests to S3 by kind (get, list) and outcome")
        .tag("kind", kind).tag("outcome", outcome)
        .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(30))
        .register(registry);
  }

  long gets() {
    return gets.sum();
  }

  long getBytes() {
    return getBytes.sum();
  }

  long lists() {
    return lists.sum();
  }
}
