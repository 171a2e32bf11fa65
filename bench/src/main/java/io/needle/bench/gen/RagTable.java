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
 * The RAG table that {@code needle gen --shape rag} writes: document chunks keyed by a string,
 * {@code doc_id}, each with a title, a 1–4 KiB text and an embedding ({@code list<float>}).
 *
 * <p>Layout: {@code files} files {@code part-00000.parquet}, … ; table row {@code i} (counting
 * across files) is document {@code i}, key {@link RagRow#docId doc-000000000i}: keys are unique
 * and ascending in string order across files, so row-group statistics and the column index
 * prune by key. Every value is {@link RagRow#derive}'s pure function of the document number.
 * Absent keys next to present ones are {@link #absentKeyNear}: a present key with a suffix,
 * between it and the next key in string order, so only the bloom filter can reject it.
 *
 * <p>Parquet layout, for lookups of one chunk: a bloom filter on {@code doc_id} sized by the
 * file's row count (the dictionary is off for {@code doc_id}: parquet-java writes no bloom filter
 * for a fully dictionary-encoded chunk), no dictionary for the unique texts, titles and floats,
 * and pages of {@value #DEFAULT_PAGE_ROW_LIMIT} rows in every column. Why so few: the worker
 * plans a lookup from the key column's page index, so it sends, for every requested column, each
 * page that overlaps the rows of the key's page, and the client finds the row. The rows per page
 * therefore decide the bytes of a lookup. Measured on 20,000 rows asking doc_id, title, text
 * and embedding: 200 rows per page (the feature table's limit) put ~520 KB on the wire per
 * lookup, 16 rows ~40 KB, 8 rows ~21 KB, 4 rows ~11 KB, with latencies within the noise of each
 * other from 16 rows down. Eight rows keep text pages near 8 KiB compressed (DESIGN.md's
 * lookup-friendly range) while halving the page metadata the worker keeps, against four. The
 * {@value #DEFAULT_PAGE_SIZE_BYTES}-byte page size is only a ceiling for wide embeddings; with it
 * out of the way, every column's pages start at the same rows, so a lookup fetches exactly one
 * page per column. parquet-java checks page sizes only every 100 rows by default; it is told to
 * check after every row, so the ceiling holds within one row.
 *
 * <p>Threading: {@link #write} writes files in parallel, one writer per thread, at most one
 * thread per core. The instance itself is immutable.
 */
public final class RagTable extends GeneratedFiles {

  /** Name of the key column. */
  public static final String KEY_COLUMN = "doc_id";

  public static final int DEFAULT_EMBEDDING_DIM = 384;
  /** A ceiling that eight rows reach only with embeddings of more than ~2,000 floats. */
  public static final int DEFAULT_PAGE_SIZE_BYTES = 64 * 1024;
  /** Rows per page of every column; see the class comment for the measurement. */
  public static final int DEFAULT_PAGE_ROW_LIMIT = 8;

  private static final String SCHEMA_TEXT =
      """
      message rag {
        required binary doc_id (STRING);
        required binary title (STRING);
        required binary text (STRING);
        optional binary source (STRING);
        required int64 updated_at (TIMESTAMP(MICROS,true));
        required group embedding (LIST) {
          repeated group list {
            required float element;
          }
        }
      }
      """;

  /** The schema of every file; the embedding dimension is not part of it. */
  public static final MessageType SCHEMA = MessageTypeParser.parseMessageType(SCHEMA_TEXT);

  private static final List<String> NO_DICTIONARY_COLUMNS =
      List.of("doc_id", "title", "text", "updated_at", "embedding.list.element");

  public RagTable(GenOptions options) {
    super(options);
    if (options.rows() > RagRow.maxDocuments()) {
      throw new IllegalArgumentException("a RAG table holds at most " + RagRow.maxDocuments()
          + " rows (ten-digit doc_ids): " + options.rows());
    }
  }

  /**
   * The RAG layout for {@code rows} rows in {@code files} files: {@link GenOptions#defaults}'s
   * codec, row groups and seed, with this table's pages and a 384-float embedding.
   */
  public static GenOptions defaultOptions(long rows, int files) {
    return GenOptions.defaults(rows, files)
        .withPages(DEFAULT_PAGE_SIZE_BYTES, DEFAULT_PAGE_ROW_LIMIT)
        .withEmbeddingDim(DEFAULT_EMBEDDING_DIM);
  }

  /** Writes the table described by {@code options} into {@code dir}; see {@link #write(Path)}. */
  public static List<Path> write(GenOptions options, Path dir) throws IOException {
    return new RagTable(options).write(dir);
  }

  /** The key of table row {@code rowIndex} (0-based, across files). */
  public String keyAt(long rowIndex) {
    if (rowIndex < 0 || rowIndex >= options.rows()) {
      throw new IndexOutOfBoundsException("rowIndex must be in 0.." + (options.rows() - 1) + ": " + rowIndex);
    }
    return RagRow.docId(rowIndex);
  }

  /**
   * A key this table does not hold that sorts right after {@code keyAt(rowIndex)} and before the
   * next key: inside the key range of the row's file and page, so statistics cannot rule it out.
   */
  public String absentKeyNear(long rowIndex) {
    return keyAt(rowIndex) + "-absent";
  }

  /** Whether {@code key} is a row of this table. */
  public boolean contains(String key) {
    return rowIndexOf(key) >= 0;
  }

  /** The table row index of {@code key}, or -1 when the key is absent. */
  public long rowIndexOf(String key) {
    long n = RagRow.docNumber(key);
    return n >= 0 && n < options.rows() ? n : -1;
  }

  /** The row stored at table row {@code rowIndex}. */
  public RagRow expectedAt(long rowIndex) {
    keyAt(rowIndex); // bounds check
    return RagRow.derive(rowIndex, options.seed(), options.embeddingDim());
  }

  /** The row stored for {@code key}, or null when the key is absent. */
  public RagRow expected(String key) {
    long row = rowIndexOf(key);
    return row < 0 ? null : RagRow.derive(row, options.seed(), options.embeddingDim());
  }

  /** Index of the file that holds {@code key}, or -1 when the key is absent. */
  public int fileOf(String key) {
    long row = rowIndexOf(key);
    return row < 0 ? -1 : files.fileOfRow(row);
  }

  @Override
  Path writeFile(Path dir, int file) throws IOException {
    Path path = dir.resolve(fileName(file));
    long first = firstRow(file);
    long count = rowCount(file);
    Map<String, String> meta = Map.of(
        "needle.gen.shape", "rag",
        "needle.gen.seed", Long.toString(options.seed()),
        "needle.gen.embeddingDim", Integer.toString(options.embeddingDim()),
        "needle.gen.firstRow", Long.toString(first),
        "needle.gen.keyRule", "doc_id = 'doc-' + row in 10 zero-padded digits");
    // Check the page size after every row: texts are kilobytes, and a page must close at its
    // size limit rather than some rows later.
    GenWriterBuilder<RagRow> builder =
        writer(path, new RagWriteSupport(SCHEMA, meta), KEY_COLUMN, count, NO_DICTIONARY_COLUMNS)
        .withMinRowCountForPageSizeCheck(1);
    try (ParquetWriter<RagRow> writer = builder.build()) {
      for (long row = first; row < first + count; row++) {
        writer.write(RagRow.derive(row, options.seed(), options.embeddingDim()));
      }
    }
    return path;
  }
}
