package io.needle.bench.gen;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One row of the RAG table: a document chunk with its text and embedding, as the Java values
 * of docs/values.md.
 *
 * <p>Every value is a pure function of ({@code seed}, document number, column): {@link #derive}
 * is the only source of truth, used both to write the files and by tests and benchmarks to check
 * any row without reading a file. The key {@code doc_id} is {@code doc-} and the document number
 * in ten zero-padded digits, so string order is number order.
 *
 * <p>The {@code text} is {@value #MIN_TEXT_BYTES}..{@value #MAX_TEXT_BYTES} bytes of UTF-8, its
 * length drawn per document; its words include accents, Greek, CJK and a surrogate pair, and
 * paragraphs are separated by newlines, so byte-exact comparisons exercise multi-byte decoding.
 */
public record RagRow(
    String docId,
    String title,
    String text,
    String source,
    Instant updatedAt,
    List<Float> embedding) {

  /** Column names in schema order. */
  public static final List<String> COLUMNS =
      List.of("doc_id", "title", "text", "source", "updated_at", "embedding");

  public static final int MIN_TEXT_BYTES = 1024;
  public static final int MAX_TEXT_BYTES = 4096;

  /** Digits of the document number in a {@code doc_id}. */
  static final int DOC_ID_DIGITS = 10;
  static final String DOC_ID_PREFIX = "doc-";

  private static final String[] WORDS = {
    "the", "of", "a", "lookup", "parquet", "page", "index", "cache", "worker", "client",
    "row", "column", "bloom", "filter", "footer", "embedding", "vector", "chunk", "document",
    "retrieval", "query", "answer", "model", "context", "latency", "microseconds", "storage",
    "object", "bucket", "key", "value", "sorted", "compressed", "snappy", "decoded", "batch",
    "naïve", "café", "Zürich", "façade", "Ελληνικά", "日本語", "データ", "检索", "🙂", "—",
    "and", "to", "in", "is", "with", "for", "on", "from", "by", "at", "as", "an", "or", "not"
  };
  private static final int[] WORD_BYTES = utf8Lengths(WORDS);
  private static final int MAX_WORD_BYTES = max(WORD_BYTES);
  private static final String[] SOURCES = {"wiki", "docs", "forum", "news", "mail", "code"};
  private static final long FIRST_UPDATE_MICROS = 1_650_000_000_000_000L; // 2022-04-15
  private static final long UPDATE_SPAN_MICROS = 800L * 24 * 3600 * 1_000_000;

  /** Column salts: each column draws from its own hash stream (apart from FeatureRow's). */
  private static final int C_TITLE = 101;
  private static final int C_TEXT = 102;
  private static final int C_SOURCE = 103;
  private static final int C_UPDATED = 104;
  private static final int C_EMBEDDING = 100_000; // + element index

  /** The row of document {@code docNumber} in a table generated with {@code seed} and {@code embeddingDim}. */
  public static RagRow derive(long docNumber, long seed, int embeddingDim) {
    long hSource = FeatureRow.hash(seed, docNumber, C_SOURCE);
    return new RagRow(
        docId(docNumber),
        title(docNumber, FeatureRow.hash(seed, docNumber, C_TITLE)),
        text(docNumber, FeatureRow.hash(seed, docNumber, C_TEXT)),
        pick(hSource, 10) == 0 ? null : SOURCES[pick(hSource >>> 8, SOURCES.length)],
        micros(FIRST_UPDATE_MICROS
            + Long.remainderUnsigned(FeatureRow.hash(seed, docNumber, C_UPDATED), UPDATE_SPAN_MICROS)),
        embedding(seed, docNumber, embeddingDim));
  }

  /** {@code doc-0000000123} for document 123. */
  public static String docId(long docNumber) {
    if (docNumber < 0 || docNumber >= maxDocuments()) {
      throw new IllegalArgumentException("docNumber must be in 0.." + (maxDocuments() - 1) + ": " + docNumber);
    }
    String digits = Long.toString(docNumber);
    return DOC_ID_PREFIX + "0".repeat(DOC_ID_DIGITS - digits.length()) + digits;
  }

  /** The document number of a well-formed {@code doc_id}, or -1 for any other string. */
  public static long docNumber(String docId) {
    if (docId == null || docId.length() != DOC_ID_PREFIX.length() + DOC_ID_DIGITS
        || !docId.startsWith(DOC_ID_PREFIX)) {
      return -1;
    }
    long n = 0;
    for (int i = DOC_ID_PREFIX.length(); i < docId.length(); i++) {
      char c = docId.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      n = n * 10 + (c - '0');
    }
    return n;
  }

  /** How many distinct document numbers a {@code doc_id} can carry: 10^10. */
  public static long maxDocuments() {
    return 10_000_000_000L;
  }

  /** The values in schema order ({@link #COLUMNS}), nulls included. */
  public Map<String, Object> asMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("doc_id", docId);
    m.put("title", title);
    m.put("text", text);
    m.put("source", source);
    m.put("updated_at", updatedAt);
    m.put("embedding", embedding);
    return Collections.unmodifiableMap(m);
  }

  /** {@code updatedAt} as microseconds since the epoch, as stored. */
  public long updatedAtMicros() {
    return Math.addExact(Math.multiplyExact(updatedAt.getEpochSecond(), 1_000_000L), updatedAt.getNano() / 1000);
  }

  private static String title(long docNumber, long h) {
    int words = 2 + pick(h, 6);
    StringBuilder sb = new StringBuilder(64);
    for (int i = 0; i < words; i++) {
      h = next(h);
      sb.append(WORDS[pick(h, WORDS.length)]).append(' ');
    }
    return sb.append('#').append(docNumber).toString();
  }

  /**
   * Sentences of 4..15 words, a paragraph break every few sentences, until the text reaches a
   * length drawn in [MIN, MAX - one word - 2]: so it never exceeds {@value #MAX_TEXT_BYTES}.
   */
  static String text(long docNumber, long h) {
    int target = MIN_TEXT_BYTES + pick(h, MAX_TEXT_BYTES - MIN_TEXT_BYTES - MAX_WORD_BYTES - 2);
    StringBuilder sb = new StringBuilder(target);
    sb.append("Document ").append(docNumber).append('.');
    int bytes = sb.length(); // ASCII so far
    int wordsLeft = 0;
    int sentences = 0;
    while (bytes < target) {
      h = next(h);
      if (wordsLeft == 0) {
        wordsLeft = 4 + pick(h, 12);
        boolean paragraph = ++sentences % 5 == 0;
        sb.append(paragraph ? "\n\n" : " ");
        bytes += paragraph ? 2 : 1;
        h = next(h);
      } else {
        sb.append(' ');
        bytes++;
      }
      int w = pick(h >>> 7, WORDS.length);
      sb.append(WORDS[w]);
      bytes += WORD_BYTES[w];
      if (--wordsLeft == 0) {
        sb.append('.');
        bytes++;
      }
    }
    return sb.toString();
  }

  static List<Float> embedding(long seed, long docNumber, int dim) {
    Float[] out = new Float[dim];
    for (int i = 0; i < dim; i++) {
      // in [-1, 1), exactly representable: 24 significant bits
      out[i] = ((FeatureRow.hash(seed, docNumber, C_EMBEDDING + i) >>> 40) - (1 << 23)) * 0x1.0p-23f;
    }
    return List.of(out);
  }

  private static long next(long h) {
    return Long.rotateLeft(h * 0x9E3779B97F4A7C15L, 29) + 0x632BE59BD9B4E019L;
  }

  private static Instant micros(long epochMicros) {
    return Instant.ofEpochSecond(
        Math.floorDiv(epochMicros, 1_000_000L), Math.floorMod(epochMicros, 1_000_000L) * 1000L);
  }

  private static int pick(long h, int n) {
    return (int) Long.remainderUnsigned(h, n);
  }

  private static int[] utf8Lengths(String[] words) {
    int[] out = new int[words.length];
    for (int i = 0; i < words.length; i++) {
      out[i] = words[i].getBytes(StandardCharsets.UTF_8).length;
    }
    return out;
  }

  private static int max(int[] values) {
    int m = 0;
    for (int v : values) {
      m = Math.max(m, v);
    }
    return m;
  }
}
