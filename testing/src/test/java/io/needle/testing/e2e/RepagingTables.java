package io.needle.testing.e2e;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/**
 * The large-page tables that re-paging is for, as users' writers make them with their defaults:
 * parquet-java (1 MiB pages) and DuckDB's {@code COPY} (one page per column chunk). Written once
 * here for {@link RepagingTest} (100k rows) and {@link RepagingBenchmarkTest} (1M rows).
 */
final class RepagingTables {
  /** Row i of the parquet-java table has key {@code i * PARQUET_JAVA_KEY_STEP} (column {@code id}, sorted). */
  static final int PARQUET_JAVA_KEY_STEP = 3;
  /** Row i of the DuckDB table has key {@code i * DUCKDB_KEY_STEP} (column {@code id}, sorted). */
  static final int DUCKDB_KEY_STEP = 2;

  private RepagingTables() {}

  /**
   * parquet-java's defaults (1 MiB pages, dictionaries, v1, offset index) with {@code codec}, a
   * sorted int64 key, nulls, lists with null elements and a nested group.
   */
  static void writeParquetJavaDefaults(Path file, int rows, CompressionCodecName codec) throws IOException {
    MessageType schema = MessageTypeParser.parseMessageType("""
        message t {
          required int64 id;
          required binary name (STRING);
          optional double score;
          optional int32 maybe;
          optional binary body (STRING);
          optional group tags (LIST) { repeated group list { optional binary element (STRING); } }
          optional group info { optional int32 a; optional group b (LIST) { repeated group list { required int64 element; } } }
          required boolean flag;
        }
        """);
    SimpleGroupFactory groups = new SimpleGroupFactory(schema);
    try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file))
        .withConf(new PlainParquetConfiguration()).withType(schema).withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
        .withCompressionCodec(codec).build()) {
      for (long i = 0; i < rows; i++) {
        Group g = groups.newGroup();
        g.append("id", i * PARQUET_JAVA_KEY_STEP);
        g.append("name", "name-" + (i % 37));
        if (i % 5 != 0) {
          g.append("score", i * 0.25);
        }
        if (i % 3 == 0) {
          g.append("maybe", (int) (i * 7));
        }
        if (i % 11 != 0) {
          g.append("body", "body of row " + i + " " + Long.toHexString(i * 0x9E3779B97F4A7C15L).repeat(4));
        }
        if (i % 4 != 0) {
          Group tags = g.addGroup("tags");
          for (int t = 0; t < i % 5; t++) {
            Group e = tags.addGroup("list");
            if (t != 2) {
              e.append("element", "t" + t + "-" + (i % 100));
            }
          }
        }
        if (i % 6 != 0) {
          Group info = g.addGroup("info");
          if (i % 2 == 0) {
            info.append("a", (int) i);
          }
          Group b = info.addGroup("b");
          for (int t = 0; t < i % 3; t++) {
            b.addGroup("list").append("element", i + t);
          }
        }
        g.append("flag", i % 7 == 1);
        writer.write(g);
      }
    }
  }

  /** DuckDB's COPY with its defaults (SNAPPY): no page index, its own page sizes and dictionaries. */
  static void writeWithDuckDb(Path file, int rows) throws Exception {
    try (Connection duck = DriverManager.getConnection("jdbc:duckdb:"); Statement s = duck.createStatement()) {
      s.execute("COPY (SELECT i * " + DUCKDB_KEY_STEP + " AS id, 'text ' || i || ' ' || repeat(md5(i::VARCHAR), 4) AS body,"
          + " 'cat' || (i % 10) AS cat,"
          + " CASE WHEN i % 7 = 0 THEN NULL ELSE i * 1.5 END AS val,"
          + " CASE WHEN i % 5 = 0 THEN NULL ELSE [i, i + 1, i % 3]::BIGINT[] END AS arr,"
          + " {'a': i::INTEGER, 's': 'st' || (i % 13)} AS st,"
          + " map(['k' || (i % 3)], [i]) AS m"
          + " FROM range(" + rows + ") t(i)) TO '" + file + "' (FORMAT parquet)");
    }
  }
}
