package io.needle.testing.decode;

import io.needle.decode.DecodeException;
import io.needle.decode.FileSchema;
import io.needle.client.Row;
import io.needle.decode.RowGroupDecoder;
import io.needle.testing.OracleRow;
import io.needle.testing.ParquetOracle;
import org.apache.parquet.column.ColumnDescriptor;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The parquet-testing {@code bad_data} files: each must be rejected before decoding (footer or
 * page walk) or give a {@link DecodeException}; never an unchecked exception, and never values
 * that differ from what parquet-java reads when parquet-java reads the file at all.
 */
class BadDataDecodeTest {
  @TestFactory
  Stream<DynamicTest> badFiles() throws IOException {
    try (Stream<Path> files = Files.list(WorkerResponse.corpus().resolve("bad_data"))) {
      return files.filter(p -> p.toString().endsWith(".parquet")).sorted()
          .map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> check(p))).toList().stream();
    }
  }

  private static void check(Path path) throws Exception {
    WorkerResponse response;
    FileSchema schema;
    try {
      response = new WorkerResponse(path);
      schema = FileSchema.parse(response.schemaBytes());
    } catch (IOException | DecodeException e) {
      return; // rejected before any page is decoded
    }
    List<ColumnDescriptor> leaves = schema.messageType().getColumns();
    boolean[] flat = new boolean[leaves.size()];
    for (int i = 0; i < flat.length; i++) {
      flat[i] = leaves.get(i).getMaxRepetitionLevel() == 0;
    }
    List<String> oracle = null;
    try {
      oracle = new ArrayList<>();
      for (OracleRow row : ParquetOracle.readAll(path)) {
        if (row.rowGroup() == 0) {
          oracle.add(ParquetOracle.json(row, List.of()));
        }
      }
    } catch (Exception | Error e) {
      oracle = null; // parquet-java rejects it too
    }
    for (WorkerResponse.FirstRows mode : WorkerResponse.FirstRows.values()) {
      WorkerResponse.Built built;
      try {
        built = response.build(0, -1, mode, flat);
      } catch (IOException e) {
        return; // the page walk rejects it
      }
      long rowCount = built.rowGroup.getRowCount();
      long[] rows = new long[(int) Math.min(rowCount, 10_000)];
      for (int i = 0; i < rows.length; i++) {
        rows[i] = i;
      }
      List<String> actual = new ArrayList<>();
      try {
        RowGroupDecoder.forRows(schema, List.of(), Row::of).decodeRows(built.answer(), 0, built.pages(false), rows,
            (i, row, value) -> actual.add(value.toJson()));
      } catch (DecodeException e) {
        continue; // clean, typed failure
      }
      assertThat(oracle).as("%s decoded %s rows that parquet-java cannot read", path.getFileName(), actual.size())
          .isNotNull();
      assertThat(actual).as("%s, first rows %s", path.getFileName(), mode).isEqualTo(oracle.subList(0, actual.size()));
    }
  }
}
