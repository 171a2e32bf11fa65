package io.needle.testing.prepare;

import io.needle.testing.ParquetOracle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;

/** Source tables as users have them: parquet-java's defaults with shuffled rows, and DuckDB's. */
final class SourceTables {
  private SourceTables() {}

  /**
   * The rows of {@code files}, shuffled, in {@code fileCount} files written with parquet-java's
   * defaults (1 MiB pages, 128 MiB row groups, dictionaries, page index, no bloom filter).
   */
  static List<Path> parquetJavaDefaults(List<Path> files, Path out, int fileCount, long seed) throws IOException {
    MessageType schema = null;
    List<Group> rows = new ArrayList<>();
    for (Path f : files) {
      try (ParquetFileReader reader = ParquetOracle.fileReader(f)) {
        schema = reader.getFooter().getFileMetaData().getSchema();
        var io = new ColumnIOFactory().getColumnIO(schema);
        for (PageReadStore pages = reader.readNextRowGroup(); pages != null; pages = reader.readNextRowGroup()) {
          RecordReader<Group> records = io.getRecordReader(pages, new GroupRecordConverter(schema));
          for (long r = 0; r < pages.getRowCount(); r++) {
            rows.add(records.read());
          }
        }
      }
    }
    Collections.shuffle(rows, new Random(seed));
    Files.createDirectories(out);
    List<Path> written = new ArrayList<>();
    for (int f = 0; f < fileCount; f++) {
      Path path = out.resolve(String.format("data-%d.parquet", f));
      try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(path))
          .withConf(new PlainParquetConfiguration())
          .withType(schema)
          .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
          .build()) {
        for (int i = rows.size() * f / fileCount; i < rows.size() * (f + 1) / fileCount; i++) {
          writer.write(rows.get(i));
        }
      }
      written.add(path);
    }
    return written;
  }

  /**
   * A DuckDB table of {@code rows} rows in row groups of 1000, keyed by an unsorted int64 {@code id}
   * (every key below {@code rows * 3 / 4} twice), with structs, lists, maps, a list of structs,
   * decimals (int64 and fixed-length), a UUID, dates, timestamps, blobs and nulls; with
   * {@code nullKey}, row 5's id is null.
   */
  static Path duckDb(Path out, int rows, boolean nullKey) throws Exception {
    Files.createDirectories(out);
    Path file = out.resolve("duck.parquet");
    int distinct = rows * 3 / 4;
    String id = nullKey ? "CASE WHEN i = 5 THEN NULL ELSE (i * 7919) % " + distinct + " END"
        : "(i * 7919) % " + distinct;
    String sql = "COPY (SELECT " + id + " AS id, 'name-' || i AS name, "
        + "{'a': i, 'b': [i, i + 1], 'c': {'d': 'x' || i}} AS s, "
        + "[i, NULL, i * 2] AS l, "
        + "CASE WHEN i % 5 = 0 THEN NULL ELSE MAP {'k' || i: i, 'z': NULL} END AS m, "
        + "CAST(i AS DECIMAL(18,3)) / 7 AS d18, "
        + "CAST(i AS DECIMAL(38,10)) * 12345.678 AS d38, "
        + "('00000000-0000-0000-0000-' || lpad(CAST(i AS VARCHAR), 12, '0'))::UUID AS u, "
        + "TIMESTAMP '2024-01-01' + INTERVAL (i) SECOND AS ts, "
        + "DATE '2020-01-01' + CAST(i AS INTEGER) AS dt, "
        + "CASE WHEN i % 7 = 0 THEN NULL ELSE i * 1.5 END AS dbl, "
        + "[{'x': i, 'y': 'v' || i}, {'x': -i, 'y': NULL}] AS ls, "
        + "CASE WHEN i % 3 = 0 THEN [] ELSE ['t' || i] END AS empty_or_one, "
        + "encode('blob' || i) AS bl "
        + "FROM range(" + rows + ") t(i)) TO '" + file + "' (FORMAT PARQUET, ROW_GROUP_SIZE 1000)";
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
      s.execute(sql);
    }
    return file;
  }
}
