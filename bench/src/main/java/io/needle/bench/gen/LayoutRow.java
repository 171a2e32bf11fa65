package io.needle.bench.gen;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One logical row of the layout tables ({@link LayoutTable}): the same rows whatever the layout,
 * as the Java values of docs/values.md.
 *
 * <p>Every value is a pure function of (seed, key number {@code k}, {@code copy}): {@link #derive}
 * is the only source of truth, used to write the files and by tests to check what any reader
 * returns without trusting that reader. A key with two rows has {@code version} 0 and 1, so each
 * row read back names which copy it is.
 *
 * <p>Columns: the key {@code id} (int32, int64 or string, by layout), scalars of the common
 * types, a nullable string {@code note}, a 1–4 KiB {@code body} ({@link RagRow}'s texts), an
 * {@code embedding} list of {@value #EMBEDDING_DIM} floats and a struct {@code attrs} with a
 * nullable field.
 */
public record LayoutRow(
    Object id,
    int version,
    int qty,
    long amount,
    double price,
    boolean active,
    Instant updatedAt,
    String name,
    String note,
    String body,
    List<Float> embedding,
    int attrsA,
    String attrsB) {

  /** Top-level column names in schema order. */
  public static final List<String> COLUMNS = List.of("id", "version", "qty", "amount", "price", "active",
      "updated_at", "name", "note", "body", "embedding", "attrs");

  public static final int EMBEDDING_DIM = 8;

  private static final String[] NAMES = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf",
      "hotel", "india", "juliett", "kilo", "lima", "mike", "november", "oscar", "papa"};
  private static final long FIRST_UPDATE_MICROS = 1_650_000_000_000_000L; // 2022-04-15
  private static final long UPDATE_SPAN_MICROS = 800L * 24 * 3600 * 1_000_000;

  /** Column salts, apart from FeatureRow's and RagRow's. */
  private static final int C_QTY = 201;
  private static final int C_AMOUNT = 202;
  private static final int C_PRICE = 203;
  private static final int C_ACTIVE = 204;
  private static final int C_UPDATED = 205;
  private static final int C_NAME = 206;
  private static final int C_NOTE = 207;
  private static final int C_BODY = 208;
  private static final int C_ATTRS = 209;

  /** The row of key number {@code k}, copy {@code copy} (0, or 1 for a key's second row), with key {@code id}. */
  public static LayoutRow derive(long seed, long k, int copy, Object id) {
    long r = 2 * k + copy; // one hash stream per row, copies included
    long note = FeatureRow.hash(seed, r, C_NOTE);
    long attrs = FeatureRow.hash(seed, r, C_ATTRS);
    long updated = FIRST_UPDATE_MICROS + Long.remainderUnsigned(FeatureRow.hash(seed, r, C_UPDATED),
        UPDATE_SPAN_MICROS);
    return new LayoutRow(
        id,
        copy,
        (int) Long.remainderUnsigned(FeatureRow.hash(seed, r, C_QTY), 1000),
        FeatureRow.hash(seed, r, C_AMOUNT),
        (FeatureRow.hash(seed, r, C_PRICE) >>> 11) * 0x1.0p-40, // exact in a double
        (FeatureRow.hash(seed, r, C_ACTIVE) & 1) == 0,
        Instant.ofEpochSecond(updated / 1_000_000, updated % 1_000_000 * 1000),
        NAMES[(int) Long.remainderUnsigned(FeatureRow.hash(seed, r, C_NAME), NAMES.length)],
        Long.remainderUnsigned(note, 3) == 0 ? null : "note " + k + "/" + copy,
        RagRow.text(k, FeatureRow.hash(seed, r, C_BODY)),
        RagRow.embedding(seed, r, EMBEDDING_DIM),
        (int) k,
        Long.remainderUnsigned(attrs, 4) == 0 ? null : "b" + Long.remainderUnsigned(attrs >>> 8, 100));
  }

  /** {@code updatedAt} as microseconds since the epoch, as stored. */
  public long updatedAtMicros() {
    return updatedAt.getEpochSecond() * 1_000_000L + updatedAt.getNano() / 1000;
  }

  /** The values in schema order ({@link #COLUMNS}), nulls included; {@code attrs} as a map of {@code a}, {@code b}. */
  public Map<String, Object> asMap() {
    Map<String, Object> attrs = new LinkedHashMap<>();
    attrs.put("a", attrsA);
    attrs.put("b", attrsB);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", id);
    m.put("version", version);
    m.put("qty", qty);
    m.put("amount", amount);
    m.put("price", price);
    m.put("active", active);
    m.put("updated_at", updatedAt);
    m.put("name", name);
    m.put("note", note);
    m.put("body", body);
    m.put("embedding", embedding);
    m.put("attrs", Collections.unmodifiableMap(attrs));
    return Collections.unmodifiableMap(m);
  }
}
