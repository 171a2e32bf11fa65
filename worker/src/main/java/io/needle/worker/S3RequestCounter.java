package io.needle.worker;

import java.util.concurrent.atomic.LongAdder;

/** Requests this worker sent to S3, by kind, and bytes asked for; for metrics and tests. Thread-safe. */
final class S3RequestCounter {
  private final LongAdder gets = new LongAdder();
  private final LongAdder getBytes = new LongAdder();
  private final LongAdder lists = new LongAdder();

  void recordGet(long bytes) {
    gets.increment();
    getBytes.add(bytes);
  }

  void recordList() {
    lists.increment();
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
