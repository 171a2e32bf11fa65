package io.needle.testing.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import io.needle.testing.MatrixTables;
import io.needle.testing.OracleRow;
import io.needle.testing.ParquetOracle;
import io.needle.testing.TableSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MatrixTablesTest {
  @TempDir static Path dir;
  static List<TableSpec> specs;

  @BeforeAll
  static void write() throws IOException {
    QuietLogs.apply();
    specs = MatrixTables.write(dir);
  }

  @Test
  void coversEveryKeyTypeAndTheGeneratorTable() {
    assertThat(specs).extracting(TableSpec::name).containsExactly("key_int32", "key_int64",
        "key_string", "key_binary", "key_uuid_key", "key_date", "key_timestamp", "needle_gen");
    assertThat(specs).allMatch(s -> s.files().size() == 2);
  }

  @Test
  void presentDuplicateAndAbsentKeysHoldWhenReadWithParquetJava() throws IOException {
    for (TableSpec spec : specs) {
      List<ParquetOracle> files = new ArrayList<>();
      for (Path f : spec.files()) {
        files.add(ParquetOracle.open(f));
      }
      for (Object key : spec.presentKeys()) {
        assertThat(rows(files, spec, key)).as("%s present %s", spec.name(), key).isPositive();
      }
      for (Object key : spec.duplicateKeys()) {
        assertThat(rows(files, spec, key)).as("%s duplicate %s", spec.name(), key)
            .isGreaterThan(1);
      }
      for (Object key : spec.absentKeys()) {
        assertThat(rows(files, spec, key)).as("%s absent %s", spec.name(), key).isZero();
      }
      if (!spec.name().equals("needle_gen")) {
        assertThat(spec.duplicateKeys()).isNotEmpty();
        assertThat(spec.rowGroups()).as("%s row groups", spec.name()).isGreaterThan(1);
        assertEveryValueColumnHasNullsAndValues(spec, files);
      }
    }
  }

  @Test
  void layoutsCoverCodecsEncodingsIndexesAndBloomFilters() throws IOException {
    Set<CompressionCodecName> codecs = EnumSet.noneOf(CompressionCodecName.class);
    Set<Encoding> encodings = EnumSet.noneOf(Encoding.class);
    for (TableSpec spec : specs) {
      try (ParquetFileReader reader = ParquetOracle.fileReader(spec.files().get(0))) {
        for (BlockMetaData block : reader.getRowGroups()) {
          for (ColumnChunkMetaData chunk : block.getColumns()) {
            codecs.add(chunk.getCodec());
            encodings.addAll(chunk.getEncodings());
          }
        }
      }
    }
    assertThat(codecs).contains(CompressionCodecName.UNCOMPRESSED, CompressionCodecName.SNAPPY,
        CompressionCodecName.GZIP, CompressionCodecName.ZSTD, CompressionCodecName.LZ4_RAW);
    assertThat(encodings).contains(Encoding.PLAIN, Encoding.RLE_DICTIONARY,
        Encoding.PLAIN_DICTIONARY, Encoding.DELTA_BINARY_PACKED, Encoding.DELTA_BYTE_ARRAY,
        Encoding.BYTE_STREAM_SPLIT);
    assertThat(specs).anyMatch(TableSpec::hasBloomFilter)
        .anyMatch(s -> !s.hasBloomFilter())
        .anyMatch(TableSpec::hasColumnIndex)
        .anyMatch(s -> !s.hasColumnIndex())
        .allMatch(TableSpec::hasOffsetIndex);
  }

  private static int rows(List<ParquetOracle> files, TableSpec spec, Object key) {
    int n = 0;
    for (ParquetOracle f : files) {
      n += f.lookupJson(spec.keyColumn(), key, List.of()).size();
    }
    return n;
  }

  private static void assertEveryValueColumnHasNullsAndValues(TableSpec spec,
      List<ParquetOracle> files) {
    Set<String> withNull = new HashSet<>();
    Set<String> withValue = new HashSet<>();
    for (ParquetOracle f : files) {
      for (OracleRow row : f.rows()) {
        for (int i = 0; i < row.fields().names().size(); i++) {
          (row.fields().values().get(i) == null ? withNull : withValue)
              .add(row.fields().names().get(i));
        }
      }
    }
    Set<String> all = new HashSet<>(files.get(0).rows().get(0).fields().names());
    all.remove("k");
    all.remove("v_embedding");
    assertThat(withNull).as(spec.name()).containsAll(all);
    assertThat(withValue).as(spec.name()).containsAll(all);
  }
}
