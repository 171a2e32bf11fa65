package io.needle.bench.gen;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One row of the feature table, as the Java values of docs/values.md.
 *
 * <p>Every value is a pure function of ({@code seed}, key, column): {@link #derive} is the only
 * source of truth, used both to write the files and by tests and benchmarks to check any row
 * without reading a file. Nullable columns hold {@code null}; lists are unmodifiable.
 *
 * <p>The {@code bio} strings deliberately contain characters the JSON form must escape
 * ({@code "}, {@code \}, tab, newline, U+0001) and non-ASCII ones (accents, CJK, a surrogate
 * pair), so byte-for-byte JSON comparisons exercise the escaping rules.
 */
public record FeatureRow(
    long userId,
    String country,
    Integer age,
    double score,
    float ratio,
    boolean active,
    LocalDate signupDate,
    Instant lastSeen,
    BigDecimal balance,
    String segment,
    String bio,
    List<String> tags,
    List<Float> embedding) {

  /** Column names in schema order. */
  public static final List<String> COLUMNS =
      List.of("user_id", "country", "age", "score", "ratio", "active", "signup_date",
          "last_seen", "balance", "segment", "bio", "tags", "embedding");

  /** Scale of the {@code balance} decimal(18, 2). */
  public static final int BALANCE_SCALE = 2;

  private static final String[] COUNTRIES = {
    "US", "DE", "FR", "GB", "JP", "BR", "IN", "CN", "CA", "AU",
    "ES", "IT", "NL", "SE", "PL", "MX", "KR", "ZA", "NG", "AR"
  };
  private static final String[] SEGMENTS = {"free", "trial", "basic", "pro", "enterprise"};
  private static final String[] WORDS = {
    "likes", "parquet", "lookups", "caches", "\"quoted\"", "back\\slash", "tab\there",
    "line\nbreak", "naïve", "café", "日本語", "🙂", "ctl\u0001", "fast", "pages", "rows"
  };
  private static final String[] TAGS = {
    "sports", "music", "news", "travel", "food", "tech", "art", "games"
  };
  // 2013-10-22 .. about 2024-09; 2020-09-13T12:26:40Z .. +200 days
  private static final long FIRST_SIGNUP_EPOCH_DAY = 16_000;
  private static final long FIRST_LAST_SEEN_MICROS = 1_600_000_000_000_000L;
  private static final long LAST_SEEN_SPAN_MICROS = 200L * 24 * 3600 * 1_000_000;

  /** Column salts: each column draws from its own hash stream. */
  private static final int C_COUNTRY = 1;
  private static final int C_AGE = 2;
  private static final int C_SCORE = 3;
  private static final int C_RATIO = 4;
  private static final int C_ACTIVE = 5;
  private static final int C_SIGNUP = 6;
  private static final int C_LAST_SEEN = 7;
  private static final int C_BALANCE = 8;
  private static final int C_SEGMENT = 9;
  private static final int C_BIO = 10;
  private static final int C_TAGS = 11;
  private static final int C_EMBEDDING = 1000; // + element index

  /** The row for {@code key} of a table generated with {@code seed} and {@code embeddingDim}. */
  public static FeatureRow derive(long key, long seed, int embeddingDim) {
    long hAge = hash(seed, key, C_AGE);
    long hSegment = hash(seed, key, C_SEGMENT);
    long hBio = hash(seed, key, C_BIO);
    long hTags = hash(seed, key, C_TAGS);
    return new FeatureRow(
        key,
        COUNTRIES[pick(hash(seed, key, C_COUNTRY), COUNTRIES.length)],
        pick(hAge, 10) == 0 ? null : 18 + pick(hAge >>> 8, 70),
        (hash(seed, key, C_SCORE) >>> 11) * 0x1.0p-53 * 100.0,
        (hash(seed, key, C_RATIO) >>> 40) * 0x1.0p-24f,
        (hash(seed, key, C_ACTIVE) & 1) == 0,
        LocalDate.ofEpochDay(FIRST_SIGNUP_EPOCH_DAY + pick(hash(seed, key, C_SIGNUP), 4000)),
        micros(FIRST_LAST_SEEN_MICROS
            + Long.remainderUnsigned(hash(seed, key, C_LAST_SEEN), LAST_SEEN_SPAN_MICROS)),
        BigDecimal.valueOf(
            Long.remainderUnsigned(hash(seed, key, C_BALANCE), 2_000_000_000L) - 1_000_000_000L,
            BALANCE_SCALE),
        pick(hSegment, 7) == 0 ? null : SEGMENTS[pick(hSegment >>> 8, SEGMENTS.length)],
        pick(hBio, 5) == 0 ? null : bio(key, hBio >>> 8),
        pick(hTags, 13) == 0 ? null : tags(hTags >>> 8),
        embedding(seed, key, embeddingDim));
  }

  /** The values in schema order ({@link #COLUMNS}), nulls included. */
  public Map<String, Object> asMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("user_id", userId);
    m.put("country", country);
    m.put("age", age);
    m.put("score", score);
    m.put("ratio", ratio);
    m.put("active", active);
    m.put("signup_date", signupDate);
    m.put("last_seen", lastSeen);
    m.put("balance", balance);
    m.put("segment", segment);
    m.put("bio", bio);
    m.put("tags", tags);
    m.put("embedding", embedding);
    return Collections.unmodifiableMap(m);
  }

  /** {@code lastSeen} as microseconds since the epoch, as stored. */
  public long lastSeenMicros() {
    return Math.addExact(Math.multiplyExact(lastSeen.getEpochSecond(), 1_000_000L),
        lastSeen.getNano() / 1000);
  }

  private static String bio(long key, long h) {
    int words = pick(h, 12);
    StringBuilder sb = new StringBuilder(16 + words * 8).append("user ").append(key);
    for (int i = 0; i < words; i++) {
      h = Long.rotateLeft(h * 0x9E3779B97F4A7C15L, 17);
      sb.append(' ').append(WORDS[pick(h, WORDS.length)]);
    }
    return sb.toString();
  }

  private static List<String> tags(long h) {
    int n = pick(h, 5);
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      h = Long.rotateLeft(h * 0x9E3779B97F4A7C15L, 23);
      out.add(TAGS[pick(h, TAGS.length)]);
    }
    return Collections.unmodifiableList(out);
  }

  private static List<Float> embedding(long seed, long key, int dim) {
    Float[] out = new Float[dim];
    for (int i = 0; i < dim; i++) {
      // in [-1, 1), exactly representable: 24 significant bits
      out[i] = ((hash(seed, key, C_EMBEDDING + i) >>> 40) - (1 << 23)) * 0x1.0p-23f;
    }
    return List.of(out);
  }

  private static Instant micros(long epochMicros) {
    return Instant.ofEpochSecond(
        Math.floorDiv(epochMicros, 1_000_000L), Math.floorMod(epochMicros, 1_000_000L) * 1000L);
  }

  private static int pick(long h, int n) {
    return (int) Long.remainderUnsigned(h, n);
  }

  /** SplitMix64's finalizer over (seed, key, column). */
  static long hash(long seed, long key, int column) {
    long z = seed * 0x9E3779B97F4A7C15L + key * 0xBF58476D1CE4E5B9L + column * 0x94D049BB133111EBL;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
