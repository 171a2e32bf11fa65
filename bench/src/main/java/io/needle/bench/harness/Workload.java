package io.needle.bench.harness;

import io.needle.bench.gen.FeatureRow;
import java.util.List;

/**
 * What one call asks for. The feature-store shape reads one key's twelve scalar and list
 * columns (every column but {@code embedding}); a batch asks for 100 keys at once ({@code batch1000}:
 * 1,000); an absent
 * key is one the table does not hold, which the bloom filter should reject before any page. The
 * RAG shape reads one document chunk of the RAG table by its string key: its title, 1–4 KiB
 * text and embedding. On a user's table ({@code needle bench --table}) the feature, batch,
 * absent and cold shapes keep their keys but read the user's columns.
 */
public enum Workload {
  /** One present key, twelve columns. */
  FEATURE(1, true),
  /** A batch of 100 present keys, twelve columns. */
  BATCH(100, true),
  /** A batch of 1,000 present keys, twelve columns: how a batch's cost grows with its size. */
  BATCH1000(1000, true),
  /** One absent key (between two present ones), twelve columns. */
  ABSENT(1, false),
  /** One present key on a freshly started worker and client: nothing cached but the OS's page cache. */
  COLD(1, true),
  /** One present string key of the RAG table: doc_id, title, text and embedding. */
  RAG(1, true);

  /** The twelve columns of the feature-store lookup: every column but the embedding. */
  public static final List<String> FEATURE_COLUMNS =
      FeatureRow.COLUMNS.stream().filter(c -> !c.equals("embedding")).toList();

  /**
   * The columns of the RAG lookup. The key is read too, as in the feature lookup, so that every
   * system's answer is checked to be the document asked for.
   */
  public static final List<String> RAG_COLUMNS = List.of("doc_id", "title", "text", "embedding");

  private final int keysPerCall;
  private final boolean present;

  Workload(int keysPerCall, boolean present) {
    this.keysPerCall = keysPerCall;
    this.present = present;
  }

  public int keysPerCall() {
    return keysPerCall;
  }

  /** Whether every key asked exists in the table. */
  public boolean keysPresent() {
    return present;
  }

  /** The name used on the command line and in reports: {@code feature}, {@code batch}, ... */
  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  /** The workload whose {@link #label} is {@code label}, or null. */
  public static Workload ofLabel(String label) {
    for (Workload w : values()) {
      if (w.label().equals(label)) {
        return w;
      }
    }
    return null;
  }
}
