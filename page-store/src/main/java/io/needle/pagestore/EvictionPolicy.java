package io.needle.pagestore;

/** Which sealed region gives way when the store needs space. Eviction is always a whole region. */
public enum EvictionPolicy {
  /** The oldest sealed region: no bookkeeping on reads, the best choice for scan-like loads. */
  FIFO,
  /** The sealed region whose most recent hit is the oldest (one timestamp per region). */
  LRU
}
