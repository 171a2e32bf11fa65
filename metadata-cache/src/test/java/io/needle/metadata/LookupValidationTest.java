package io.needle.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Bad lookups end as typed errors, decided before any page is planned. */
class LookupValidationTest {
  private static final ExecutorService LOADER = Executors.newFixedThreadPool(2);
  private final MetadataCache cache = new MetadataCache(MetadataCacheConfig.defaults(), LOADER);

  @AfterAll
  static void stop() {
    LOADER.shutdownNow();
  }

  private static LocalFileSource file(String name) throws Exception {
    return new LocalFileSource(CorpusOracle.DATA.resolve(name));
  }

  private ParquetException.Kind failure(FileSource source, LookupSpec spec) throws InterruptedException {
    try {
      cache.plan(source, spec).get();
      return fail("expected a ParquetException for " + spec);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(ParquetException.class);
      return ((ParquetException) e.getCause()).kind();
    }
  }

  @Test
  void unknownKeyColumnIsUnknownColumn() throws Exception {
    assertThat(failure(file("alltypes_plain.parquet"), new LookupSpec("nope", Keys.ofLongs(1), List.of())))
        .isEqualTo(ParquetException.Kind.UNKNOWN_COLUMN);
  }

  @Test
  void unknownFieldIsUnknownColumn() throws Exception {
    assertThat(failure(file("alltypes_plain.parquet"), new LookupSpec("id", Keys.ofLongs(1), List.of("id", "nope"))))
        .isEqualTo(ParquetException.Kind.UNKNOWN_COLUMN);
  }

  @Test
  void nestedLeafPathAsFieldIsUnknownColumn() throws Exception {
    assertThat(failure(file("nullable.impala.parquet"), new LookupSpec("id", Keys.ofLongs(1), List.of("nested_struct.A"))))
        .isEqualTo(ParquetException.Kind.UNKNOWN_COLUMN);
  }

  @Test
  void floatingBooleanAndInt96KeysAreInvalid() throws Exception {
    LocalFileSource source = file("alltypes_plain.parquet");
    for (String column : List.of("float_col", "double_col", "bool_col", "timestamp_col")) {
      assertThat(failure(source, new LookupSpec(column, Keys.ofLongs(1), List.of()))).as(column)
          .isEqualTo(ParquetException.Kind.INVALID_KEY);
    }
  }

  @Test
  void nestedOrRepeatedKeysAreInvalid() throws Exception {
    assertThat(failure(file("nullable.impala.parquet"), new LookupSpec("nested_struct.A", Keys.ofLongs(1), List.of())))
        .isEqualTo(ParquetException.Kind.INVALID_KEY);
    assertThat(failure(file("repeated_primitive_no_list.parquet"), new LookupSpec("Int32_list", Keys.ofLongs(1), List.of())))
        .isEqualTo(ParquetException.Kind.INVALID_KEY);
  }

  @Test
  void keysOfTheWrongRepresentationAreInvalid() throws Exception {
    LocalFileSource source = file("alltypes_plain.parquet");
    assertThat(failure(source, new LookupSpec("id", Keys.ofBytes(new byte[] {1}), List.of()))).isEqualTo(ParquetException.Kind.INVALID_KEY);
    assertThat(failure(source, new LookupSpec("string_col", Keys.ofLongs(1), List.of()))).isEqualTo(ParquetException.Kind.INVALID_KEY);
  }

  @Test
  void int32KeyOutOfIntRangeIsInvalid() throws Exception {
    LocalFileSource source = file("alltypes_plain.parquet");
    assertThat(failure(source, new LookupSpec("id", Keys.ofLongs(1L << 31), List.of()))).isEqualTo(ParquetException.Kind.INVALID_KEY);
    assertThat(failure(source, new LookupSpec("id", Keys.ofLongs(Integer.MIN_VALUE - 1L), List.of()))).isEqualTo(ParquetException.Kind.INVALID_KEY);
    assertThat(cache.plan(source, new LookupSpec("id", Keys.ofLongs(Integer.MAX_VALUE, Integer.MIN_VALUE), List.of())).get()).isNotNull();
  }

  @Test
  void fixedLengthKeyOfTheWrongLengthIsInvalid() throws Exception {
    LocalFileSource source = file("fixed_length_byte_array.parquet");
    assertThat(failure(source, new LookupSpec("flba_field", Keys.ofBytes(new byte[3]), List.of()))).isEqualTo(ParquetException.Kind.INVALID_KEY);
    assertThat(cache.plan(source, new LookupSpec("flba_field", Keys.ofBytes(new byte[4]), List.of())).get()).isNotNull();
  }

  @Test
  void describeReportsKeyBoundsAndRejectsBadKeyColumns() throws Exception {
    LocalFileSource source = file("alltypes_tiny_pages.parquet");
    FileSummary summary = cache.describe(source, "id").get();
    assertThat(summary.rowCount()).isEqualTo(7300);
    assertThat(summary.keyMin().longAt(0)).isEqualTo(0);
    assertThat(summary.keyMax().longAt(0)).isEqualTo(7299);
    assertThat(cache.describe(source, null).get().keyMin()).isNull();
    CompletableFuture<FileSummary> bad = cache.describe(source, "float_col");
    try {
      bad.get();
      fail("float key accepted");
    } catch (ExecutionException e) {
      assertThat(((ParquetException) e.getCause()).kind()).isEqualTo(ParquetException.Kind.INVALID_KEY);
    }
  }

  @Test
  void schemaIsAStableFingerprintedFooterWithoutRowGroups() throws Exception {
    LocalFileSource source = file("alltypes_plain.parquet");
    SchemaInfo schema = cache.describe(source, null).get().schema();
    var parsed = org.apache.parquet.format.Util.readFileMetaData(new java.io.ByteArrayInputStream(schema.thriftFileMetaData()));
    assertThat(parsed.getRow_groupsSize()).isZero();
    assertThat(parsed.getNum_rows()).isZero();
    assertThat(parsed.getSchemaSize()).isEqualTo(12);
    assertThat(schema.createdBy()).isEqualTo(parsed.getCreated_by());
    MetadataCache other = new MetadataCache(MetadataCacheConfig.defaults(), LOADER);
    assertThat(other.describe(file("alltypes_plain.parquet"), null).get().schema().id()).isEqualTo(schema.id());
    assertThat(other.describe(file("alltypes_dictionary.parquet"), null).get().schema().id()).isNotEqualTo(0);
  }
}
