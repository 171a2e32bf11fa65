package io.needle.bench.gen;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/**
 * The lookup-friendly feature-store table that {@code needle gen} writes.
 *
 * <p>Layout: {@code files} files {@code part-00000.parquet}, … ; row {@code i} of the table
 * (counting across files) has key {@code user_id = 3 * i + 7}, so keys are unique, ascending
 * across files (file {@code f} holds the contiguous rows {@link #firstRow(int)} ..), and not
 * dense: {@link #contains(long)} says whether any key exists without reading a file. Every other
 * value is {@link FeatureRow#derive}'s pure function of the key.
 *
 * <p>Parquet layout: small pages ({@code pageSizeBytes}, {@code pageRowLimit}), column and
 * offset indexes (parquet-java's default), a bloom filter on {@code user_id} sized by the file's
 * row count (without {@code withBloomFilterNDV} parquet-java writes 1 MiB per filter). The
 * dictionary is off for {@code user_id}, because parquet-java writes no bloom filter for a
 * chunk that is entirely dictionary-encoded, and for the high-cardinality numeric columns
 * where a dictionary only costs a fallback; it stays on for {@code country}, {@code segment}
 * and {@code tags}.
 *
 * <p>Threading: {@link #write} writes files in parallel, one writer per thread, at most one
 * thread per core. The instance itself is immutable.
 */
public final class FeatureTable extends GeneratedFiles {

  /** Name of the key column. */
  public static final String KEY_COLUMN = "user_id";

  private static final long KEY_STRIDE = 3;
  private static final long KEY_OFFSET = 7;

  private static final String SCHEMA_TEXT_HEAD =
      """
      message feature {
        required int64 user_id;
        required binary country (STRING);
        optional int32 age;
        required double score;
        required float ratio;
        required boolean active;
        required int32 signup_date (DATE);
        required int64 last_seen (TIMESTAMP(MICROS,true));
        required int64 balance (DECIMAL(18,2));
        optional binary segment (STRING);
        optional binary bio (STRING);
        optional group tags (LIST) {
          repeated group list {
            required binary element (STRING);
          }
        }
        required group embedding (LIST) {
          repeated group list {
            required float element;
          }
        }
      }
      """;

  /** The schema of every file; the embedding dimension is not part of it. */
  public static final MessageType SCHEMA = MessageTypeParser.parseMessageType(SCHEMA_TEXT_HEAD);

  private static final List<String> NO_DICTIONARY_COLUMNS =
      List.of("user_id", "score", "ratio", "last_seen", "balance", "bio",
          "embedding.list.element");

  public FeatureTable(GenOptions options) {
    super(options);
  }

  /** Writes the table described by {@code options} into {@code dir}; see {@link #write(Path)}. */
  public static List<Path> write(GenOptions options, Path dir) throws IOException {
    return new FeatureTable(options).write(dir);
  }

  /** The key of table row {@code rowIndex} (0-based, across files). */
  public long keyAt(long rowIndex) {
    if (rowIndex < 0 || rowIndex >= options.rows()) {
      throw new IndexOutOfBoundsException(
          "rowIndex must be in 0.." + (options.rows() - 1) + ": " + rowIndex);
    }
    return KEY_STRIDE * rowIndex + KEY_OFFSET;
  }

  /** Whether {@code key} is a row of this table. */
  public boolean contains(long key) {
    return rowIndexOf(key) >= 0;
  }

  /** The table row index of {@code key}, or -1 when the key is absent. */
  public long rowIndexOf(long key) {
    long shifted = key - KEY_OFFSET;
    if (key < KEY_OFFSET || shifted % KEY_STRIDE != 0) {
      return -1;
    }
    long row = shifted / KEY_STRIDE;
    return row < options.rows() ? row : -1;
  }

  /**
   * The row stored for {@code key}, whether or not the key is present in this table (an absent
   * key still has well-defined values; check {@link #contains} first when it matters).
   */
  public FeatureRow expected(long key) {
    return FeatureRow.derive(key, options.seed(), options.embeddingDim());
  }

  /** Index of the file that holds {@code key}, or -1 when the key is absent. */
  public int fileOf(long key) {
    long row = rowIndexOf(key);
    return row < 0 ? -1 : files.fileOfRow(row);
  }

  @Override
  Path writeFile(Path dir, int file) throws IOException {
    Path path = dir.resolve(fileName(file));
    long first = firstRow(file);
    long count = rowCount(file);
    Map<String, String> meta = Map.of(
        "needle.gen.seed", Long.toString(options.seed()),
        "needle.gen.embeddingDim", Integer.toString(options.embeddingDim()),
        "needle.gen.firstRow", Long.toString(first),
        "needle.gen.keyRule", "user_id = 3 * row + 7");
    GenWriterBuilder<FeatureRow> builder =
        writer(path, new FeatureWriteSupport(SCHEMA, meta), KEY_COLUMN, count, NO_DICTIONARY_COLUMNS);
    try (ParquetWriter<FeatureRow> writer = builder.build()) {
      for (long row = first; row < first + count; row++) {
        writer.write(expected(KEY_STRIDE * row + KEY_OFFSET));
      }
    }
    return path;
  }
}
