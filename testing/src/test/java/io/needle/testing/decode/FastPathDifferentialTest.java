package io.needle.testing.decode;

import io.needle.decode.DecodeException;
import io.needle.decode.FileSchema;
import io.needle.client.Row;
import io.needle.decode.RowGroupDecoder;
import io.needle.testing.MatrixTables;
import io.needle.testing.TableSpec;
import org.apache.parquet.column.ColumnDescriptor;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The client decoder's flat-column fast path against its parquet record-reader path: every row
 * (up to {@link #MAX_ROWS} per row group) and every field of every corpus file and matrix table
 * is decoded with the fast path on and off, all rows at once and a sparse subset (rows alone on
 * their pages, the last row), and the JSON must be identical; where one path fails, the other
 * must fail with the same kind. First rows are known (the fast path needs them).
 */
class FastPathDifferentialTest {
  private static final int MAX_ROWS = 10_000;

  @TempDir
  static Path dir;

  @TestFactory
  Stream<DynamicTest> corpusFiles() throws IOException {
    try (Stream<Path> files = Files.list(WorkerResponse.corpus().resolve("data"))) {
      return files.filter(p -> p.toString().endsWith(".parquet")).sorted()
          .map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> compareFile(p, false))).toList().stream();
    }
  }

  @Test
  void matrixTables() throws Exception {
    List<TableSpec> tables = MatrixTables.write(dir);
    long rows = 0;
    for (TableSpec table : tables) {
      for (Path file : table.files()) {
        rows += compareFile(file, true);
      }
    }
    assertThat(rows).isGreaterThan(1_000);
  }

  /** Compares both paths on every row group of a file; the rows compared. */
  private static long compareFile(Path path, boolean mustDecode) throws Exception {
    WorkerResponse response;
    FileSchema schema;
    try {
      response = new WorkerResponse(path);
      schema = FileSchema.parse(response.schemaBytes());
    } catch (WorkerResponse.EncryptedOrInvalid | DecodeException e) {
      assertThat(mustDecode).as("%s: %s", path, e).isFalse();
      return 0;
    }
    List<ColumnDescriptor> leaves = schema.messageType().getColumns();
    boolean[] flat = new boolean[leaves.size()];
    for (int i = 0; i < flat.length; i++) {
      flat[i] = leaves.get(i).getMaxRepetitionLevel() == 0;
    }
    RowGroupDecoder<Row> fast = RowGroupDecoder.forRows(schema, List.of(), Row::of);
    RowGroupDecoder<Row> parquet = fast.withoutFastPath();
    long compared = 0;
    for (int rg = 0; rg < response.footer.getRow_groups().size(); rg++) {
      WorkerResponse.Built built;
      try {
        built = response.build(rg, -1, WorkerResponse.FirstRows.KNOWN, flat);
      } catch (WorkerResponse.EncryptedOrInvalid e) {
        assertThat(mustDecode).as("%s: %s", path, e).isFalse();
        return compared;
      }
      long rowCount = Math.min(MAX_ROWS, built.rowGroup.getRowCount());
      long[] all = LongStream.range(0, rowCount).toArray();
      long[] sparse = LongStream.range(0, rowCount).filter(r -> r % 97 == 3 || r == rowCount - 1).toArray();
      for (long[] rows : List.of(all, sparse)) {
        List<String> expected = decode(parquet, built, rows);
        List<String> actual = decode(fast, built, rows);
        assertThat(actual).as("%s row group %d, %d rows", path.getFileName(), rg, rows.length).isEqualTo(expected);
        if (mustDecode) {
          assertThat(actual).as("%s row group %d", path.getFileName(), rg).hasSize(rows.length);
        }
      }
      compared += rowCount;
    }
    return compared;
  }

  /** The rows' JSON in order, or a single "failed: KIND" entry. */
  private static List<String> decode(RowGroupDecoder<Row> decoder, WorkerResponse.Built built, long[] rows) {
    List<String> out = new ArrayList<>();
    try {
      decoder.decodeRows(built.answer(), 0, built.pages(false), rows, (i, row, value) -> out.add(row + " " + value.toJson()));
    } catch (DecodeException e) {
      return List.of("failed: " + e.kind());
    }
    return out;
  }
}
