package io.needle.testing.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import io.needle.testing.OracleRow;
import io.needle.testing.ParquetOracle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Hand-checked cells of parquet-testing corpus files, against the values their README/.md/.csv
 * files list. The corpus lives outside the repo: {@code -Dneedle.parquetTesting=DIR} (the corpus root),
 * default ../testdata/parquet-testing.
 */
class ParquetOracleCorpusTest {
  static {
    QuietLogs.apply();
  }

  private static final Path CORPUS = Path.of(
      System.getProperty("needle.parquetTesting", "../testdata/parquet-testing")).resolve("data");

  private static Path corpus(String name) {
    Path p = CORPUS.resolve(name);
    assertThat(p).as("parquet-testing corpus file (set -Dneedle.parquetTesting)").exists();
    return p;
  }

  @Test
  void alltypesPlainHasImpalasKnownRows() throws IOException {
    List<OracleRow> rows = ParquetOracle.readAll(corpus("alltypes_plain.parquet"));
    assertThat(rows).extracting(r -> ParquetOracle.keyValue(r, "id"))
        .containsExactly(4, 5, 6, 7, 2, 3, 0, 1);
    // string columns carry no UTF8 annotation here: byte[] -> Base64 ("03/01/09", "1")
    assertThat(ParquetOracle.lookupJson(corpus("alltypes_plain.parquet"), "id", 5, List.of()))
        .containsExactly("{\"id\":5,\"bool_col\":false,\"tinyint_col\":1,\"smallint_col\":1,"
            + "\"int_col\":1,\"bigint_col\":10,\"float_col\":1.1,\"double_col\":10.1,"
            + "\"date_string_col\":\"MDMvMDEvMDk=\",\"string_col\":\"MQ==\","
            + "\"timestamp_col\":\"2009-03-01T00:01:00Z\"}");
    assertThat(ParquetOracle.json(rows.get(6), List.of("timestamp_col", "id")))
        .isEqualTo("{\"timestamp_col\":\"2009-01-01T00:00:00Z\",\"id\":0}");
  }

  @Test
  void int96FromSparkMatchesTheListedMicroseconds() throws IOException {
    List<OracleRow> rows = ParquetOracle.readAll(corpus("int96_from_spark.parquet"));
    long[] micros = {1704141296123456L, 1704070800000000L, 253402225200000000L,
        1735599600000000L};
    for (int i = 0; i < micros.length; i++) {
      Instant expected = Instant.ofEpochSecond(micros[i] / 1_000_000, micros[i] % 1_000_000 * 1000);
      assertThat(rows.get(i).get("a")).isEqualTo(expected);
    }
    assertThat(rows.get(4).get("a")).isNull();
    // row 5 (year 290000) overflowed in Spark's own writer; its stored bits are not checked here
  }

  @Test
  void deltaEncodedOptionalColumnsMatchTheExpectCsv() throws IOException {
    List<OracleRow> rows =
        ParquetOracle.readAll(corpus("delta_encoding_optional_column.parquet"));
    List<String> lines = Files.readAllLines(corpus("delta_encoding_optional_column_expect.csv"));
    List<String> header = csv(lines.get(0));
    assertThat(rows).hasSize(lines.size() - 1);
    int checked = 0;
    for (int r = 0; r < rows.size(); r++) {
      List<String> cells = csv(lines.get(r + 1));
      for (int c = 0; c < header.size(); c++) {
        Object actual = rows.get(r).get(header.get(c).strip());
        String cell = cells.get(c);
        if (cell == null) {
          assertThat(actual).as("row %d %s", r, header.get(c)).isNull();
        } else if (actual instanceof Long l) {
          assertThat(l).as("row %d %s", r, header.get(c)).isEqualTo(Long.parseLong(cell));
        } else {
          assertThat(actual).as("row %d %s", r, header.get(c)).isEqualTo(cell);
        }
        checked++;
      }
    }
    assertThat(checked).isEqualTo(100 * 17);
  }

  @Test
  void legacyListsAndMapsFollowTheBackwardCompatibilityRules() throws IOException {
    assertThat(ParquetOracle.readAll(corpus("old_list_structure.parquet")).get(0).get("a"))
        .isEqualTo(List.of(List.of(1, 2), List.of(3, 4)));
    List<OracleRow> maps = ParquetOracle.readAll(corpus("map_no_value.parquet"));
    assertThat(ParquetOracle.json(maps.get(1), List.of()))
        .isEqualTo("{\"my_map\":[{\"key\":4,\"value\":null},{\"key\":5,\"value\":null},"
            + "{\"key\":6,\"value\":null}],\"my_map_no_v\":[{\"key\":4,\"value\":null},"
            + "{\"key\":5,\"value\":null},{\"key\":6,\"value\":null}],\"my_list\":[4,5,6]}");
    List<OracleRow> phones = ParquetOracle.readAll(corpus("repeated_no_annotation.parquet"));
    assertThat(ParquetOracle.json(phones.get(3), List.of()))
        .isEqualTo("{\"id\":4,\"phoneNumbers\":{\"phone\":[{\"number\":5555555555,"
            + "\"kind\":null}]}}");
    assertThat(ParquetOracle.json(phones.get(2), List.of("phoneNumbers")))
        .isEqualTo("{\"phoneNumbers\":{\"phone\":[]}}");
  }

  /** Splits one line of the corpus's CSV: quoted cells, empty unquoted cell = null. */
  private static List<String> csv(String line) {
    List<String> out = new ArrayList<>();
    int i = 0;
    while (i <= line.length()) {
      if (i < line.length() && line.charAt(i) == '"') {
        int end = line.indexOf('"', i + 1);
        out.add(line.substring(i + 1, end));
        i = end + 2;
      } else {
        int end = line.indexOf(',', i);
        if (end < 0) {
          end = line.length();
        }
        String cell = line.substring(i, end);
        out.add(cell.isEmpty() ? null : cell);
        i = end + 1;
      }
    }
    return Arrays.asList(out.toArray(new String[0]));
  }
}
