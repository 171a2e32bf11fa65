package io.needle.testing.oracle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.needle.bench.gen.FeatureRow;
import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.testing.OracleRow;
import io.needle.testing.ParquetOracle;
import io.needle.testing.ValueJson;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The oracle's JSON of `needle gen` tables equals JSON built from the generator's values. */
class ParquetOracleFeatureTableTest {
  static {
    QuietLogs.apply();
  }


  @TempDir Path dir;

  @Test
  void everyRowRendersAsTheGeneratorsKeyDerivedRow() throws IOException {
    GenOptions options = GenOptions.defaults(3_000, 2).withRowGroupBytes(64 * 1024);
    FeatureTable table = new FeatureTable(options);
    List<Path> files = table.write(dir);
    long tableRow = 0;
    for (int f = 0; f < files.size(); f++) {
      List<OracleRow> rows = ParquetOracle.readAll(files.get(f));
      assertThat(rows).hasSize((int) table.rowCount(f));
      int maxRowGroup = 0;
      for (int i = 0; i < rows.size(); i++) {
        OracleRow row = rows.get(i);
        Object key = ParquetOracle.keyValue(row, "user_id");
        assertThat(key).isEqualTo(table.keyAt(tableRow++));
        assertThat(row.rowInFile()).isEqualTo(i);
        FeatureRow expected = table.expected((Long) key);
        assertThat(ParquetOracle.json(row, List.of()))
            .isEqualTo(ValueJson.row(expected.asMap()));
        maxRowGroup = Math.max(maxRowGroup, row.rowGroup());
      }
      assertThat(maxRowGroup).as("small row groups give several").isGreaterThan(0);
    }
  }

  @Test
  void lookupReturnsTheProjectedRowForPresentKeysAndNothingForAbsentOnes() throws IOException {
    GenOptions options = GenOptions.defaults(500, 1)
        .withWriterVersion(WriterVersion.PARQUET_2_0).withCodec(CompressionCodecName.ZSTD);
    FeatureTable table = new FeatureTable(options);
    Path file = table.write(dir).get(0);
    ParquetOracle oracle = ParquetOracle.open(file);
    List<String> fields = List.of("bio", "user_id", "tags");
    for (long i = 0; i < 500; i += 37) {
      long key = table.keyAt(i);
      FeatureRow r = table.expected(key);
      List<Object> values = new ArrayList<>();
      values.add(r.bio());
      values.add(r.userId());
      values.add(r.tags());
      String expected = ValueJson.row(fields, values);
      assertThat(oracle.lookupJson("user_id", key, fields)).containsExactly(expected);
      assertThat(ParquetOracle.lookupJson(file, "user_id", key, fields))
          .containsExactly(expected);
      assertThat(oracle.lookupJson("user_id", key + 1, fields)).isEmpty();
    }
    assertThatThrownBy(() -> oracle.lookupJson("user_id", 7, fields))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Integer");
    assertThatThrownBy(() -> oracle.lookupJson("tags", List.of(), fields))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
